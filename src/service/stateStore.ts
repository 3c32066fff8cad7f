/**
 * The host's durable state in its state folder:
 *
 *   state.json            {"format": 1, "models": [...], "services": [...], "lastVersions": {...}}
 *   models/<sha256>.zip   each registered model_def.zip, stored once per distinct content
 *   host.json             where the running host listens (written by host.ts)
 *
 * Every change is a transaction: applied to a copy, written atomically, and only then made
 * the current state, one at a time. A crash at any point leaves the previous or the new
 * state, and a zip is always on disk before any state that names it.
 */
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, messageOf } from '../common/errors';
import { TEMP_SUFFIX, writeFileAtomic } from '../common/atomicFile';
import type { ServiceKeys } from './keys';

export const STATE_FORMAT = 1;

export interface StageSummary {
  name: string;
  type: string;
  model_ref?: string;
}

export interface ModelRecord {
  /** `<name>:<version>` */
  id: string;
  name: string;
  version: number;
  sha256: string;
  size: number;
  created: string;
  stages: StageSummary[];
}

export interface ServiceRecord {
  name: string;
  modelId: string;
  keys: ServiceKeys;
  created: string;
  maxBatchSize?: number;
  maxDelayMs?: number;
}

export interface HostStateData {
  format: number;
  models: ModelRecord[];
  services: ServiceRecord[];
  /** Highest version ever given per model name, so that a deleted version is never reused. */
  lastVersions: Record<string, number>;
}

export class StateStore {
  private current: HostStateData;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    initial: HostStateData,
  ) {
    this.current = initial;
  }

  /** Opens (creating if needed) a state folder and removes what a crash left half-done. */
  static async open(dir: string): Promise<StateStore> {
    try {
      await mkdir(join(dir, 'models'), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UserError(`cannot create the state folder ${dir}: ${messageOf(error)}`);
    }
    const store = new StateStore(dir, await readState(join(dir, 'state.json')));
    await store.removeLeftovers();
    return store;
  }

  get state(): Readonly<HostStateData> {
    return this.current;
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  zipPath(sha256: string): string {
    return join(this.dir, 'models', `${sha256}.zip`);
  }

  findModel(id: string): ModelRecord | undefined {
    return this.current.models.find((m) => m.id === id);
  }

  findService(name: string): ServiceRecord | undefined {
    return this.current.services.find((s) => s.name === name);
  }

  /**
   * Runs `change` on a copy of the state, after every earlier transaction. If it returns,
   * the copy is written and becomes the state, then the `afterCommit` work it queued runs
   * (still before the next transaction); if it or the write throws, nothing changes and the
   * `onAbort` work it queued undoes what it did outside the state (a zip it stored).
   */
  transaction<T>(
    change: (draft: HostStateData, afterCommit: (work: () => void | Promise<void>) => void, onAbort: (work: () => Promise<void>) => void) => T | Promise<T>,
  ): Promise<T> {
    const run = async (): Promise<T> => {
      const draft = structuredClone(this.current);
      const pending: (() => void | Promise<void>)[] = [];
      const undo: (() => Promise<void>)[] = [];
      let result: T;
      try {
        result = await change(draft, (work) => pending.push(work), (work) => undo.push(work));
        await writeFileAtomic(this.statePath, JSON.stringify(draft, null, 2) + '\n');
      } catch (error) {
        // Best effort: what cannot be undone now (the disk still failing) is removed at the next start.
        for (const work of undo) await work().catch(() => undefined);
        throw error;
      }
      this.current = draft;
      for (const work of pending) await work();
      return result;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Writes a zip under its SHA-256, atomically and once (the name is the content). Call inside a transaction. */
  async storeZip(sha256: string, zip: Uint8Array): Promise<void> {
    const path = this.zipPath(sha256);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (!exists) await writeFileAtomic(path, zip);
  }

  /** Call from a transaction's afterCommit or onAbort, so that no other transaction can be storing the same zip. */
  async removeZipIfUnused(sha256: string): Promise<void> {
    if (this.current.models.some((m) => m.sha256 === sha256)) return;
    await rm(this.zipPath(sha256), { force: true });
  }

  readZip(model: ModelRecord): Promise<Buffer> {
    return readFile(this.zipPath(model.sha256)).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`the stored zip of model ${model.id} cannot be read (${error.code ?? error.message}): register the model again`);
    });
  }

  /** Temporary files of interrupted writes, and zips no model names (a crash between the two writes). */
  private async removeLeftovers(): Promise<void> {
    const used = new Set(this.current.models.map((m) => `${m.sha256}.zip`));
    for (const name of await readdir(join(this.dir, 'models'))) {
      if (name.endsWith(TEMP_SUFFIX) || (name.endsWith('.zip') && !used.has(name))) {
        await rm(join(this.dir, 'models', name), { force: true });
      }
    }
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) await rm(join(this.dir, name), { force: true });
    }
  }
}

async function readState(path: string): Promise<HostStateData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { format: STATE_FORMAT, models: [], services: [], lastVersions: {} };
    throw new UserError(`cannot read ${path}: ${messageOf(error)}`);
  }
  try {
    return parseState(JSON.parse(text));
  } catch (error) {
    // Writes are atomic, so this is damage from outside: refuse rather than lose the records.
    throw new UserError(`${path} is damaged (${messageOf(error)}); move it away to start the host with no models`);
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(object: Json, key: string, check: (value: unknown) => value is T, where: string): T {
  const value = object[key];
  if (!check(value)) throw new Error(`${where}.${key} is missing or has the wrong type`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

export function parseState(root: unknown): HostStateData {
  if (!isObject(root)) throw new Error('the top level is not an object');
  if (root.format !== STATE_FORMAT) throw new Error(`format ${String(root.format)} is not ${STATE_FORMAT}`);
  const models = field(root, 'models', isArray, 'state').map((value, i) => parseModel(value, `models[${i}]`));
  const services = field(root, 'services', isArray, 'state').map((value, i) => parseService(value, `services[${i}]`));
  const lastVersions: Record<string, number> = {};
  const versions = root.lastVersions;
  if (isObject(versions)) for (const [name, v] of Object.entries(versions)) if (isCount(v)) lastVersions[name] = v;
  for (const model of models) lastVersions[model.name] = Math.max(lastVersions[model.name] ?? 0, model.version);
  return { format: STATE_FORMAT, models, services, lastVersions };
}

function parseModel(value: unknown, at: string): ModelRecord {
  if (!isObject(value)) throw new Error(`${at} is not an object`);
  const stages = field(value, 'stages', isArray, at).map((stage, i): StageSummary => {
    if (!isObject(stage)) throw new Error(`${at}.stages[${i}] is not an object`);
    const summary: StageSummary = { name: field(stage, 'name', isString, at), type: field(stage, 'type', isString, at) };
    if (typeof stage.model_ref === 'string') summary.model_ref = stage.model_ref;
    return summary;
  });
  return {
    id: field(value, 'id', isString, at),
    name: field(value, 'name', isString, at),
    version: field(value, 'version', isCount, at),
    sha256: field(value, 'sha256', (v): v is string => isString(v) && /^[0-9a-f]{64}$/.test(v), at),
    size: field(value, 'size', isCount, at),
    created: field(value, 'created', isString, at),
    stages,
  };
}

function parseService(value: unknown, at: string): ServiceRecord {
  if (!isObject(value)) throw new Error(`${at} is not an object`);
  const keys = field(value, 'keys', isObject, at);
  const record: ServiceRecord = {
    name: field(value, 'name', isString, at),
    modelId: field(value, 'modelId', isString, at),
    keys: { primary: field(keys, 'primary', isString, `${at}.keys`), secondary: field(keys, 'secondary', isString, `${at}.keys`) },
    created: field(value, 'created', isString, at),
  };
  if (value.maxBatchSize !== undefined) record.maxBatchSize = field(value, 'maxBatchSize', isCount, at);
  if (value.maxDelayMs !== undefined) record.maxDelayMs = field(value, 'maxDelayMs', isNumber, at);
  return record;
}
