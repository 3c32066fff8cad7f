/** What every route of a running host shares. */
import type { BatcherOptions } from './batcher';
import type { HostLog } from './log';
import type { ServiceManager } from './serviceManager';
import type { StateStore } from './stateStore';

export interface HostLimits {
  /** Largest inference request body (images, tensors, JSON). */
  maxBodyBytes: number;
  /** Largest model_def.zip accepted by POST /admin/models. */
  maxModelBytes: number;
}

export interface HostContext {
  readonly version: string;
  readonly adminToken: string;
  readonly store: StateStore;
  readonly services: ServiceManager;
  readonly log: HostLog;
  readonly limits: HostLimits;
  readonly batching: Readonly<BatcherOptions>;
  readonly modelStore: string;
  /** Where model stages run: the --engine choice, ONNX Runtime's version and threads. */
  readonly engine: string;
  readonly startedAt: number;
  /** http://host:port, once listening. */
  url: string;
  /** True until the services found in the state folder at start have all settled. */
  restoring: boolean;
  shuttingDown: boolean;
}
