/** Service names: lowercase so they are safe in URL paths and DNS labels, as the original service required. */
export const SERVICE_NAME_RULE = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** Why a service name is not allowed, or undefined when it is. */
export function serviceNameProblem(name: string): string | undefined {
  if (SERVICE_NAME_RULE.test(name)) return undefined;
  return `service name "${name}" is not allowed: use 3–32 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit`;
}
