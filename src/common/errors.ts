/**
 * A failure the user can fix: its message says what went wrong and where, and is shown
 * as it is (one line, no stack). Anything else reaching a user is a bug in this program.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of any thrown value, for logs and last-resort reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
