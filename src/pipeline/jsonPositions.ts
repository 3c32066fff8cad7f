/**
 * Source positions for JSON values: parses a document into a tree that remembers offsets,
 * so every problem can name its JSON pointer and its line:column in the file.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { JSONPath, Node, ParseError } from 'jsonc-parser';

export type PathSegment = string | number;

export interface SourceSpan {
  offset: number;
  length: number;
  line: number;
  column: number;
}

export interface ParsedJson {
  root?: Node;
  syntaxErrors: { message: string; span: SourceSpan }[];
}

/** Strict JSON (no comments, no trailing commas), as `JSON.parse` and the packager read it. */
export function parseJsonWithPositions(text: string): ParsedJson {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return {
    root,
    syntaxErrors: errors.map((e) => ({
      message: `invalid JSON: ${describeParseError(printParseErrorCode(e.error))}`,
      span: spanAt(text, e.offset, Math.max(e.length, 1)),
    })),
  };
}

function describeParseError(code: string): string {
  // "CommaExpected" → "comma expected"
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function spanAt(text: string, offset: number, length: number): SourceSpan {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, length, line, column: offset - lineStart + 1 };
}

/**
 * The span of the value at `path`, or of its closest existing ancestor (a missing
 * property is reported on the object that should hold it).
 */
export function spanOfPath(text: string, root: Node | undefined, path: readonly PathSegment[]): SourceSpan {
  if (!root) return spanAt(text, 0, Math.max(text.length, 1));
  for (let depth = path.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(root, path.slice(0, depth));
    if (node) {
      // Objects and arrays can span many lines: point at their opening bracket.
      const length = node.type === 'object' || node.type === 'array' ? 1 : node.length;
      return spanAt(text, node.offset, length);
    }
  }
  return spanAt(text, root.offset, 1);
}

/** The span of a property's key, for "unknown property" problems. */
export function spanOfKey(text: string, root: Node | undefined, path: readonly PathSegment[]): SourceSpan {
  const value = root ? findNodeAtLocation(root, path as JSONPath) : undefined;
  const key = value?.parent?.type === 'property' ? value.parent.children?.[0] : undefined;
  return key ? spanAt(text, key.offset, key.length) : spanOfPath(text, root, path);
}

export function toPointer(path: readonly PathSegment[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function fromPointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}
