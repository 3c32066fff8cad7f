/**
 * Method + path routing with `:name` segments. A path that matches with another method is
 * a 405 (with Allow), a path that matches nothing a 404: both decided here, once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, badRequest, notFound } from './httpError';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Readonly<Record<string, string>>;
}

export type Handler = (context: RequestContext) => void | Promise<void>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: splitPath(pattern), handler });
    return this;
  }

  /** The handler and its path parameters; throws the 404 or 405 to answer otherwise. */
  resolve(method: string, pathname: string): { handler: Handler; params: Record<string, string> } {
    const segments = splitPath(pathname);
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
      allowed.add(route.method);
    }
    if (allowed.size > 0) {
      const allow = [...allowed].join(', ');
      throw new HttpError(405, `${method} is not allowed on ${pathname}; use ${allow}`, { Allow: allow });
    }
    throw notFound(`no such endpoint: ${method} ${pathname}`);
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string;
    const actual = segments[i] as string;
    if (expected.startsWith(':')) {
      params[expected.slice(1)] = decodeSegment(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`the path segment "${segment}" is not valid percent-encoding`);
  }
}
