/**
 * The services this host runs, by name: deploying (loading in the background, one load at
 * a time so that restoring many services does not oversubscribe two cores or memory),
 * retiring, and the state the management API and the inference endpoints read.
 */
import { isUserError } from '../common/errors';
import type { LoadedPipeline } from '../runtime/types';
import type { BatcherOptions } from './batcher';
import { DeployedService } from './deployedService';
import type { ServiceKeys } from './keys';
import type { HostLog } from './log';
import type { ModelRecord, ServiceRecord } from './stateStore';

/** Loads a model's pipeline; `onLost` is called if its engine dies after loading. */
export type PipelineLoader = (model: ModelRecord, onLost: (reason: string) => void) => Promise<LoadedPipeline>;

export class ServiceManager {
  private readonly services = new Map<string, DeployedService>();
  private loads: Promise<void> = Promise.resolve();
  private shuttingDown = false;

  constructor(
    private readonly loader: PipelineLoader,
    private readonly defaults: Readonly<BatcherOptions>,
    private readonly log: HostLog,
  ) {}

  list(): DeployedService[] {
    return [...this.services.values()];
  }

  get(name: string): DeployedService | undefined {
    return this.services.get(name);
  }

  /** True while some service is still loading. */
  get settling(): boolean {
    return this.list().some((s) => s.state === 'Transitioning');
  }

  /** Adds a service in state Transitioning and queues the load of its pipeline. */
  deploy(record: ServiceRecord, model: ModelRecord): DeployedService {
    const batching: BatcherOptions = {
      maxBatchSize: record.maxBatchSize ?? this.defaults.maxBatchSize,
      maxDelayMs: record.maxDelayMs ?? this.defaults.maxDelayMs,
      queueLimit: this.defaults.queueLimit,
    };
    const service = new DeployedService(record, model, batching, (s) => this.logState(s));
    this.services.set(record.name, service);
    this.log.info(`service ${record.name}: Transitioning (model ${model.id})`);
    this.loads = this.loads.then(() => this.loadOne(service));
    return service;
  }

  private async loadOne(service: DeployedService): Promise<void> {
    if (service.state !== 'Transitioning') return; // deleted while it waited for its turn
    const started = performance.now();
    try {
      await service.load(() => this.loader(service.model, (reason) => service.fail(reason)));
      if (service.loaded) this.log.info(`service ${service.name}: loaded in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      // The service shows Failed with the message; a bug (not a user error) also leaves its stack here.
      if (!isUserError(error)) this.log.error(`service ${service.name}: unexpected error while loading`, error);
    }
  }

  updateKeys(name: string, keys: ServiceKeys): void {
    const service = this.services.get(name);
    if (service) service.record = { ...service.record, keys };
  }

  /** Moves a service to Deleting now; resolves when its requests have finished and it is gone. */
  async retire(name: string): Promise<void> {
    const service = this.services.get(name);
    if (!service) return;
    await service.retire();
    if (this.services.get(name) === service) this.services.delete(name);
    this.log.info(`service ${name}: deleted`);
  }

  /** Lets every service finish its requests and frees the pipelines (host shutdown). */
  async closeAll(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all(this.list().map((s) => s.retire()));
    // A load under way finishes (and is disposed at once); queued ones see Deleting and skip.
    await this.loads;
    this.services.clear();
  }

  private logState(service: DeployedService): void {
    if (this.shuttingDown) return; // services are stopped, not deleted: they come back at the next start
    const detail = service.state === 'Failed' ? `: ${service.error ?? ''}` : service.state === 'Healthy' && service.loaded ? ` (engine ${service.loaded.backend})` : '';
    this.log.info(`service ${service.name}: ${service.state}${detail}`);
  }
}
