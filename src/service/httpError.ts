/**
 * An HTTP failure the client caused or must be told about: a status, a message for the
 * `{"error": "..."}` body, and any headers the status calls for (Retry-After,
 * WWW-Authenticate, Allow). Everything else that escapes a handler is a 500.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** After answering, close the connection instead of reading the rest of the request. */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

export function conflict(message: string): HttpError {
  return new HttpError(409, message);
}

export function unauthorized(message: string): HttpError {
  return new HttpError(401, message, { 'WWW-Authenticate': 'Bearer' });
}
