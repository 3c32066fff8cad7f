/**
 * HTTP client of a local service host's management API (admin token). Errors become
 * WorkspaceErrors that carry the host's own `{"error": ...}` text.
 */
import { WorkspaceError, errorKindOfStatus } from '../workspaceError';
import type { HostFile } from './hostFile';

export interface RequestOptions {
  method?: string;
  body?: Uint8Array | string;
  contentType?: string;
  /** Bearer token; the admin token unless a service key is given. */
  token?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
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
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const send = (): Promise<Response> => fetch(new URL(path, this.host.url), { method, headers, body: options.body, signal });
    let response: Response;
    try {
      response = await send().catch((error: unknown) => {
        // While the host loads a large model its event loop is busy for seconds, and a kept-alive
        // connection it closed meanwhile fails on reuse. A GET changes nothing: ask once more.
        if (method !== 'GET' || isTimeout(error)) throw error;
        return send();
      });
    } catch (error) {
      if (options.signal?.aborted) throw new WorkspaceError('cancelled', 'cancelled');
      const reason = isTimeout(error) ? 'it did not answer in time' : 'it is not answering';
      throw new WorkspaceError('unavailable', `cannot reach the local service host at ${this.host.url}: ${reason}; start it with "fpga serve" or deploy a model`);
    }
    if (!response.ok) throw new WorkspaceError(errorKindOfStatus(response.status) ?? 'unavailable', await errorText(response), response.status);
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
