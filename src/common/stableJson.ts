/**
 * JSON with object keys sorted and `null`/`undefined` fields left out, as the original
 * `service_def.json` was written. Sorting makes packaging byte-for-byte reproducible.
 */
export function stableStringify(value: unknown, indent = 2): string {
  return JSON.stringify(normalize(value), null, indent) + '\n';
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== null && field !== undefined) out[key] = normalize(field);
    }
    return out;
  }
  return value;
}
