/**
 * Which `Host` headers the host answers, against DNS rebinding: a page on evil.example
 * whose name is re-pointed at 127.0.0.1 can make the user's browser call this host, but
 * the browser still sends `Host: evil.example`. So, as Jupyter and Vite do, only names
 * that cannot be rebound are served: IP address literals (a page cannot make a browser
 * send one for its own origin), `localhost` and its subdomains (which browsers resolve to
 * loopback themselves), and the name the host was told to bind.
 */
import { isIP } from 'node:net';

/** True for names and addresses that only reach this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** The host name of a Host header, without port or IPv6 brackets, lower case. */
function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return value.slice(1, end < 0 ? undefined : end);
  }
  const colon = value.lastIndexOf(':');
  return colon >= 0 ? value.slice(0, colon) : value;
}

/**
 * True when a request naming `header` may be served by a host bound to `bound`. A request
 * without the header is not a browser's (they always send it) and is served.
 */
export function hostHeaderAllowed(header: string | undefined, bound: string): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || name === bound.replace(/^\[|\]$/g, '').toLowerCase();
}
