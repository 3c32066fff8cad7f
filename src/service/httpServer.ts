/**
 * The HTTP server under both ways of serving (the multi-service host and the single-model
 * server): routing through a Router, the Host-header check against DNS rebinding, mapping
 * what a handler throws to an `{"error": "..."}` answer, one log line per request, and a
 * graceful stop that lets the requests in flight finish.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError, isUserError, messageOf } from '../common/errors';
import { QueueFullError } from './batcher';
import { hostHeaderAllowed } from './hostHeader';
import { ClientGoneError, sendError } from './http';
import { HttpError } from './httpError';
import type { HostLog } from './log';
import type { Router } from './router';

export interface HttpServerOptions {
  router: Router;
  /** Interface to bind. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Tried first when given; taken by another program since, `port` is used instead. */
  preferredPort?: number | undefined;
  log: HostLog;
  /** How long a client may take to send its headers, and its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Refuse Host headers a rebound DNS name would send (see hostHeader.ts). */
  checkHostHeader: boolean;
  /** Errors the embedder can say more about than the generic mapping (the host's storage errors). */
  knownError?: (error: unknown, request: string) => HttpError | undefined;
}

export interface RunningHttpServer {
  /** http://host:port */
  url: string;
  /** Requests from arrival to the end of their response. */
  inFlight(): number;
  /** Stops accepting connections, lets the requests in flight finish, then closes every connection. */
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  let stopping = false;
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Node checks the two timeouts this often (30 s by default, which stretches them).
      connectionsCheckingInterval: 1000,
    },
    (req, res) => void handle(options, stopping, req, res),
  );
  const requests = trackRequests(server);
  const url =
    options.preferredPort === undefined
      ? await listen(server, options.host, options.port)
      : await listen(server, options.host, options.preferredPort).catch(() => listen(server, options.host, options.port));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    stopping = true;
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await requests.idle();
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };
  return { url, inFlight: requests.count, close };
}

async function handle(options: HttpServerOptions, stopping: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  res.on('finish', () => options.log.request(`${req.method ?? '?'} ${path} ${res.statusCode} ${(performance.now() - started).toFixed(1)} ms`));
  if (stopping) res.setHeader('Connection', 'close');
  try {
    if (options.checkHostHeader && !hostHeaderAllowed(req.headers.host, options.host)) {
      throw new HttpError(403, `this host does not serve the name "${req.headers.host ?? ''}" (a page may be trying DNS rebinding); call it by its IP address or localhost`);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { handler, params } = options.router.resolve(req.method ?? 'GET', url.pathname);
    await handler({ req, res, url, params });
  } catch (error) {
    if (error instanceof ClientGoneError) return;
    sendError(res, toHttpError(error, options, `${req.method ?? '?'} ${path}`));
  }
}

/** What the client is told; anything unexpected is logged with its stack and answered 500. */
function toHttpError(error: unknown, options: HttpServerOptions, request: string): HttpError {
  if (error instanceof HttpError) return error;
  const known = options.knownError?.(error, request);
  if (known) return known;
  if (error instanceof QueueFullError) return new HttpError(429, error.message, { 'Retry-After': String(error.retryAfterS) });
  // ImageError, ModelDefError and every other UserError: the sender can fix it.
  if (isUserError(error)) return new HttpError(400, error.message);
  options.log.error(`internal error in ${request}`, error);
  return new HttpError(500, `internal error: ${messageOf(error)} (the server's log has the details)`);
}

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new UserError(error.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use; choose another with --port (0 picks a free one)` : `cannot listen on ${host}:${port}: ${error.message}`));
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

/** Counts requests from arrival to the end of their response, for a graceful stop. */
function trackRequests(server: Server): { count: () => number; idle: () => Promise<void> } {
  let active = 0;
  let waiters: (() => void)[] = [];
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.once('close', () => {
      active--;
      if (active === 0) {
        const done = waiters;
        waiters = [];
        for (const resolve of done) resolve();
      }
    });
  });
  return {
    count: () => active,
    idle: () => (active === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}
