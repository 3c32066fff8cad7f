/**
 * Chooses and starts the TensorFlow.js backend of the model stages that run on TensorFlow.js
 * (`--engine tfjs`, or a stage ONNX Runtime cannot take).
 *
 * - `tensorflow`: `@tensorflow/tfjs-node` (native libtensorflow), used when it is installed.
 *   It is an optional dependency: its install fails on machines that cannot download
 *   libtensorflow, so it is looked up at run time and never bundled.
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` with SIMD, single-threaded under Node. The default
 *   wherever tfjs-node is missing.
 * - `cpu`: pure JavaScript, about 40× slower than wasm. Used only when asked for by name, never
 *   as a silent fallback: a service that suddenly answers in 16 s instead of 400 ms is worse
 *   than one that refuses to start with a clear reason.
 *
 * The choice is the argument when it names a backend, else `FPGA_BACKEND`, else auto.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../common/errors';
import type { BackendName } from './types';

export type BackendPreference = 'auto' | BackendName;

export const BACKEND_ENV = 'FPGA_BACKEND';
const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const TFJS_NODE = '@tensorflow/tfjs-node';
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
/** The binaries the wasm backend picks from; threads never work under Node, so not that one. */
const WASM_BINARIES = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'];

// A runtime `require` that neither TypeScript nor esbuild resolves at build time: tfjs-node
// may be absent, and when present it must load from node_modules (it is a native addon).
const runtimeRequire = createRequire(__filename);

let running: Promise<BackendName> | undefined;

/**
 * Starts the backend once and returns its name. Calling again with `auto` (or the name of
 * the running backend) returns it; naming another backend switches to it (tfjs moves
 * existing weights over on their next use). Throws a UserError saying which backend could
 * not start and why; the backend that ran before keeps running, and a failed start is not
 * remembered, so a retry after a fix works.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendName> {
  const wanted = resolvePreference(preference);
  const previous = running;
  if (previous) {
    const current = await previous.catch(() => undefined);
    if (current !== undefined && (wanted === 'auto' || wanted === current)) return current;
  }
  const attempt = start(wanted);
  running = attempt;
  try {
    return await attempt;
  } catch (error) {
    if (running === attempt) running = previous;
    throw error;
  }
}

function resolvePreference(preference: BackendPreference): BackendPreference {
  if (preference !== 'auto') return preference;
  const fromEnv = process.env[BACKEND_ENV]?.trim();
  if (fromEnv === undefined || fromEnv === '' || fromEnv === 'auto') return 'auto';
  const known = BACKEND_NAMES.find((name) => name === fromEnv);
  if (!known) throw new UserError(`${BACKEND_ENV}="${fromEnv}" is not a backend: use one of auto, ${BACKEND_NAMES.join(', ')}`);
  return known;
}

async function start(wanted: BackendPreference): Promise<BackendName> {
  // tfjs reports its own failures with console.warn unless in production mode; this module
  // turns them into errors instead, and library code must not write to the console.
  tf.env().set('PROD', true);
  if (wanted === 'auto') {
    // A tfjs-node that loads but cannot start is unusual; wasm is the documented default
    // then, and the backend in use is reported with every result anyway.
    if (loadTfjsNode() === undefined) {
      try {
        return await startNamed('tensorflow');
      } catch {
        return startNamed('wasm');
      }
    }
    return startNamed('wasm');
  }
  if (wanted === 'tensorflow') {
    const reason = loadTfjsNode();
    if (reason !== undefined) throw new UserError(`the "tensorflow" backend cannot start: ${reason}`);
  }
  return startNamed(wanted);
}

/** Loads tfjs-node, which registers the `tensorflow` backend; returns why not, if it fails. */
function loadTfjsNode(): string | undefined {
  if (tf.findBackendFactory('tensorflow')) return undefined;
  try {
    runtimeRequire(TFJS_NODE);
    return undefined;
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    return code === 'MODULE_NOT_FOUND'
      ? `${TFJS_NODE} is not installed (it is optional: npm skips it where libtensorflow cannot be downloaded)`
      : `${TFJS_NODE} failed to load: ${error instanceof Error ? error.message : String(error)}`;
  }
}

let wasmFolder: string | undefined;

/** Points the wasm backend at its binaries (once: tfjs refuses new paths after it started). */
function prepareWasm(): void {
  if (wasmFolder !== undefined) return;
  const folder = findWasmFolder();
  if (folder === undefined) {
    throw new UserError(
      `the "wasm" backend cannot start: its binaries (${WASM_BINARIES.join(', ')}) are neither beside this program (${__dirname}) nor in the ${WASM_PACKAGE} package; reinstall the extension or run "npm install"`,
    );
  }
  setWasmPaths(folder.endsWith('/') ? folder : `${folder}/`);
  wasmFolder = folder;
}

/**
 * The bundled CLI and extension (dist/) carry the binaries beside them (scripts/build.mjs
 * copies them); compiled sources (out/, tests) find them in node_modules.
 */
function findWasmFolder(): string | undefined {
  const candidates = [__dirname];
  try {
    candidates.push(join(dirname(runtimeRequire.resolve(`${WASM_PACKAGE}/package.json`)), 'dist'));
  } catch {
    // Not installed beside this program: only the bundled copy can serve.
  }
  return candidates.find((folder) => WASM_BINARIES.every((file) => existsSync(join(folder, file))));
}

async function startNamed(name: BackendName): Promise<BackendName> {
  if (name === 'wasm') prepareWasm();
  const failure = captureInitFailure(name);
  const started = await tf.setBackend(name);
  if (!started || tf.getBackend() !== name) {
    throw new UserError(`the "${name}" backend cannot start: ${failure.reason ?? 'its initialisation failed'}`);
  }
  await tf.ready();
  return name;
}

/**
 * tfjs swallows a backend's initialisation error (setBackend just returns false), so the
 * factory is wrapped to keep the reason for the message.
 */
function captureInitFailure(name: BackendName): { reason?: string } {
  const failure: { reason?: string } = {};
  const factory = tf.findBackendFactory(name) as (() => tf.KernelBackend | Promise<tf.KernelBackend>) | null | undefined;
  if (!factory) {
    failure.reason = `no "${name}" backend is registered in this build`;
    return failure;
  }
  // Already initialised backends are kept by tfjs; re-registering would drop them.
  if (tf.engine().registry[name] !== undefined) return failure;
  tf.removeBackend(name);
  tf.registerBackend(name, async () => {
    try {
      return await factory();
    } catch (error) {
      failure.reason = errorText(error);
      throw error;
    }
  });
  return failure;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}
