/**
 * Small helpers over node:http: reading an uncompressed request body under a size cap, and answering
 * with JSON, raw bytes, or an `{"error": "..."}` body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpError } from './httpError';

/** How long a connection answered with 413 may still send before it is cut. */
const LINGER_MS = 2000;

/** The client went away before its request was read: there is no one left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

function tooLarge(limit: number, what: string): HttpError {
  return new HttpError(413, `${what} is larger than the limit of ${limit} bytes`, {}, true);
}

/**
 * Reads the whole body, refusing more than `limit` bytes: a declared Content-Length over
 * the limit is refused before reading anything, a chunked body as soon as it passes it.
 */
export function readBody(req: IncomingMessage, limit: number, what = 'the request body'): Promise<Buffer> {
  // Reading a compressed body as if it were plain would fail later with a misleading parse
  // error; inflating it would put the size limit after a decompressor (a gzip bomb).
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return Promise.reject(new HttpError(415, `Content-Encoding "${encoding}" is not supported: send ${what} uncompressed`));
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit, what));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        chunks.length = 0;
        finish(tooLarge(limit, what));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(undefined));
    req.on('aborted', () => finish(new ClientGoneError('the client closed the connection')));
    req.on('error', (error) => finish(new ClientGoneError(error.message)));
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(value)), { 'Content-Type': 'application/json', ...headers });
}

export function sendBytes(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status);
  res.end();
}

export function sendError(res: ServerResponse, error: HttpError): void {
  if (error.closeConnection) lingerThenClose(res);
  sendJson(res, error.status, { error: error.message }, error.closeConnection ? { ...error.headers, Connection: 'close' } : { ...error.headers });
}

/**
 * With `Connection: close`, node destroys the socket as soon as the answer is written. A
 * client still uploading the rest of an oversized body then gets a reset, and many clients
 * report that reset instead of the 413 they were sent. So the answer is followed by a
 * half-close, and whatever the client still sends is read and dropped (never stored)
 * for a short while before the socket is cut.
 */
function lingerThenClose(res: ServerResponse): void {
  const socket: Socket | null = res.socket;
  if (!socket) return;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
