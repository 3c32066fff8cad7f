/**
 * HTTP client of a local service host: its management API (admin token) and the
 * per-service inference endpoints (service keys). Errors become one-line UserErrors that
 * carry the host's own `{"error": ...}` text.
 */
import { UserError } from '../../common/errors';
import type { HostFile } from './hostFile';

export class HostRequestError extends UserError {
  override readonly name = 'HostRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  body?: Uint8Array | string;
  contentType?: string;
  /** Bearer token; the admin token unless a service key is given. */
  token?: string;
  timeoutMs?: number;
}

export class HostClient {
  constructor(readonly host: HostFile) {}

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? this.host.adminToken}` };
    if (options.contentType) headers['content-type'] = options.contentType;
    const method = options.method ?? 'GET';
    const send = (): Promise<Response> =>
      fetch(new URL(path, this.host.url), { method, headers, body: options.body, signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
    let response: Response;
    try {
      response = await send().catch((error: unknown) => {
        // While the host loads a large model its event loop is busy for seconds, and a kept-alive
        // connection it closed meanwhile fails on reuse. A GET changes nothing: ask once more.
        if (method !== 'GET' || isTimeout(error)) throw error;
        return send();
      });
    } catch (error) {
      const reason = isTimeout(error) ? 'it did not answer in time' : 'it is not answering';
      throw new UserError(`cannot reach the local service host at ${this.host.url}: ${reason}; start it with "fpga serve" or deploy a model`);
    }
    if (!response.ok) throw new HostRequestError(await errorText(response), response.status);
    return response;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `the local service host answered ${response.status} ${response.statusText}`;
}
