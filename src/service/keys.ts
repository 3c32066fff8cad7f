/**
 * Secrets: the host's admin token and each service's primary and secondary keys, and the
 * checks of `Authorization: Bearer <secret>` against them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ServiceKeys {
  primary: string;
  secondary: string;
}

export type KeyName = keyof ServiceKeys;

/** 32 random bytes, base64url: 43 characters safe in headers, URLs and JSON. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newServiceKeys(): ServiceKeys {
  return { primary: newSecret(), secondary: newSecret() };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Constant-time comparison. Hashing first gives both sides the same length, so neither
 * the content nor the length of a secret leaks through timing.
 */
export function secretMatches(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Checks both keys every time, so that timing does not tell which one matched. */
export function matchesServiceKey(provided: string | undefined, keys: ServiceKeys): boolean {
  if (provided === undefined) return false;
  const primary = secretMatches(provided, keys.primary);
  const secondary = secretMatches(provided, keys.secondary);
  return primary || secondary;
}
