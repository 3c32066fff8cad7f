import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { BackendPreference } from '../../runtime/backend';
import { ENGINE_PREFERENCES } from '../../runtime/engines/stageEngine';
import type { EnginePreference } from '../../runtime/engines/stageEngine';
import { UserError } from '../../common/errors';
import { DEFAULTS, startHost } from '../../service/host';
import { SERVICE_NAME_ENV, startSingleModelServer } from '../../service/singleModelServer';
import type { LoadOutcome, RunningModelServer } from '../../service/singleModelServer';
import { defaultStateDir } from '../../service/hostFile';
import { keepRunningWhenPipesClose } from '../closedPipes';
import { port, positiveInteger } from '../options';

interface ServeOptions {
  state: string;
  model?: string;
  name?: string;
  port?: number;
  host: string;
  allowRemote?: boolean;
  modelStore?: string;
  backend: BackendPreference;
  engine: EnginePreference;
  threads?: number;
  calibration?: string;
  compileCache?: string;
  maxBatchSize: number;
  maxDelayMs: number;
  queueLimit: number;
  syntheticWeights?: boolean;
}

/** Time given to whatever still holds the event loop after a graceful stop. */
const EXIT_GRACE_MS = 2000;

function milliseconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 1000) throw new InvalidArgumentError(`"${value}" is not a whole number of milliseconds from 0 to 1000.`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the local service host: the management API and every deployed service over the Open Inference Protocol v2; with --model, serve one model_def.zip alone (as in a container behind an Azure ML endpoint)')
    .option('--state <dir>', 'state folder: registered models, services and their keys, host.json', defaultStateDir())
    .option('--model <path>', 'serve only this model_def.zip, or the one zip beneath this folder (e.g. $AZUREML_MODEL_DIR): OIP v2 routes only, no management API, no state, no keys (the endpoint in front authenticates)')
    .option('--name <name>', `with --model: the name in /v2/models/<name> (default: $${SERVICE_NAME_ENV}, else the pipeline's name)`)
    .option('--port <n>', 'port to listen on; 0 picks a free one (default: the port this state folder\'s host last used, when free; with --model, a free one)', port)
    .option('--host <address>', 'interface to listen on; anything but loopback needs --allow-remote', DEFAULTS.host)
    .option('--allow-remote', 'allow a --host other than loopback: every service is then reachable from the network, protected only by its keys')
    .option('--model-store <dir>', 'featurizer weights and label lists (default: $FPGA_MODEL_STORE or ~/.fpga/models)')
    .addOption(new Option('--engine <name>', 'engine of the model stages: auto = ONNX Runtime wherever a stage compiles, else TensorFlow.js').choices([...ENGINE_PREFERENCES]).default('auto'))
    .option('--threads <n>', 'ONNX Runtime intra-op threads per session (default: every core; services take turns, one batch at a time)', positiveInteger)
    .option('--calibration <dir>', 'images that int8 stages calibrate their activation ranges on (default: $FPGA_CALIBRATION, <model store>/calibration, else generated images)')
    .option('--compile-cache <dir>', 'where compiled ONNX models are kept (default: $FPGA_COMPILE_CACHE or ~/.fpga/compiled)')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend of the stages that run on TensorFlow.js').choices(['auto', 'wasm', 'cpu', 'tensorflow']).default('auto'))
    .option('--max-batch-size <n>', 'largest batch a service runs at once, unless its deployment sets one', positiveInteger, DEFAULTS.maxBatchSize)
    .option('--max-delay-ms <ms>', 'longest the first queued image waits for others to batch with', milliseconds, DEFAULTS.maxDelayMs)
    .option('--queue-limit <n>', 'images a service takes on at once (being read, decoded, queued or run); more are answered 429', positiveInteger, DEFAULTS.queueLimit)
    .option('--synthetic-weights', 'run featurizers without real weights on generated ones (fine for speed, meaningless classes)')
    .action(async (options: ServeOptions, command: Command) => {
      const verbose = command.optsWithGlobals<{ verbose?: boolean }>().verbose ?? false;
      if (options.model !== undefined) {
        if (command.getOptionValueSource('state') === 'cli') throw new UserError('--state belongs to the local host; --model serves one model and keeps no state: leave one of them out');
        await serveOneModel(options, verbose, program.version() ?? 'dev');
        return;
      }
      if (options.name !== undefined) throw new UserError('--name names the model that --model serves; the local host names each service when it is deployed (fpga deploy --name)');
      keepRunningWhenPipesClose();
      // A stray rejection must not take every service down with it: log it and keep serving.
      const onRejection = (reason: unknown): void => {
        process.stderr.write(`unexpected error (the host keeps running): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
      };
      process.on('unhandledRejection', onRejection);
      const host = await startHost({
        stateDir: options.state,
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...servingOptions(options),
        verbose,
        version: program.version() ?? 'dev',
      });
      process.stdout.write(`listening on ${host.url}\n`);
      process.stdout.write(`engine ${host.engine}\n`);
      for (const name of host.restored) process.stdout.write(`restoring service ${name}\n`);
      await stopSignal();
      await host.close();
      process.off('unhandledRejection', onRejection);
      // Everything is persisted and closed; a library timer or worker must not keep the process alive.
      setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_GRACE_MS).unref();
    });
}

/**
 * `fpga serve --model`: listens, prints the URL and the engine, then "model NAME ready" once
 * loaded. A model that fails to load is one line on stderr and the process keeps running,
 * not ready: the failure is deterministic (a bad model, weights missing from the store), so a
 * restart by the orchestrator would only repeat it, while the readiness route keeps saying why.
 * An engine lost after loading (its worker crashed) is different: a restart does fix that, so
 * the process stops with exit code 1 and the orchestrator starts it again.
 */
async function serveOneModel(options: ServeOptions, verbose: boolean, version: string): Promise<void> {
  keepRunningWhenPipesClose();
  const onRejection = (reason: unknown): void => {
    process.stderr.write(`unexpected error (the server keeps running): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
  };
  process.on('unhandledRejection', onRejection);
  const server = await startSingleModelServer({
    model: options.model ?? '',
    ...(options.name !== undefined ? { name: options.name } : {}),
    port: options.port ?? 0,
    ...servingOptions(options),
    verbose,
    version,
  });
  process.stdout.write(`listening on ${server.url}\n`);
  process.stdout.write(`engine ${server.engine}\n`);
  void server.loaded.then((outcome) => reportLoad(server, outcome));
  const lost = server.engineLost.then((reason) => {
    process.stderr.write(`model ${server.name} lost its engine: ${reason}; stopping so that it is started again\n`);
    process.exitCode = 1;
  });
  await Promise.race([stopSignal(), lost]);
  await server.close();
  process.off('unhandledRejection', onRejection);
  setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_GRACE_MS).unref();
}

function reportLoad(server: RunningModelServer, outcome: LoadOutcome): void {
  if (outcome.state === 'ready') process.stdout.write(`model ${server.name} ready\n`);
  else if (outcome.state === 'failed') process.stderr.write(`model ${server.name} failed to load: ${outcome.error} (readiness stays 503; fix it and restart)\n`);
}

/** What the host and the single-model server take alike: where to listen, the engines, the batching. */
function servingOptions(options: ServeOptions) {
  return {
    host: options.host,
    allowRemote: options.allowRemote ?? false,
    ...(options.modelStore !== undefined ? { modelStore: options.modelStore } : {}),
    backend: options.backend,
    engine: options.engine,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
    ...(options.compileCache !== undefined ? { compileCache: options.compileCache } : {}),
    syntheticWeights: options.syntheticWeights ?? false,
    maxBatchSize: options.maxBatchSize,
    maxDelayMs: options.maxDelayMs,
    queueLimit: options.queueLimit,
  };
}

/** The first SIGTERM or SIGINT stops gracefully; a second one stops at once. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`${signal}: finishing requests in flight, then stopping (send it again to stop at once)\n`);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
