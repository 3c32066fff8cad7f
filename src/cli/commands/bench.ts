import { Option } from 'commander';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors';
import { ENGINE_PREFERENCES } from '../../runtime/engines/stageEngine';
import type { EnginePreference } from '../../runtime/engines/stageEngine';
import { chosenModelStore, resolveModelStore } from '../../runtime/modelStore';
import { markdownReport } from '../bench/report';
import { runBench } from '../bench/runBench';
import { positiveInteger } from '../options';
import { printJson } from '../output';

interface BenchCommandOptions {
  pipeline?: string[];
  image?: string;
  modelStore?: string;
  seconds: number;
  minIterations: number;
  concurrency: number[];
  soak: number;
  engine: EnginePreference;
  threads?: number;
  calibration?: string;
  json?: boolean;
}

/** The checkout's root: dist/cli.js (bundled) and out/src/cli/commands (compiled) both live under it. */
function checkoutRoot(): string {
  const candidates = [resolve(__dirname, '..'), resolve(__dirname, '../../../..')];
  return candidates.find((dir) => existsSync(join(dir, 'examples'))) ?? process.cwd();
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure latency and throughput of the example pipelines: raw model, whole runtime, and over HTTP')
    .option('--pipeline <file...>', 'pipeline files to measure (default: examples/mobilenet and examples/resnet50)')
    .option('--image <file>', 'JPEG to classify (default: ../shared/images/hot_dog.jpg)')
    .option('--model-store <dir>', 'model store (default: $FPGA_MODEL_STORE, else ../shared/models beside the checkout when it exists, else ~/.fpga/models)')
    .option('--seconds <s>', 'minimum measuring time per row', positiveInteger, 5)
    .option('--min-iterations <n>', 'minimum measured calls per row', positiveInteger, 20)
    .option('--concurrency <n...>', 'concurrent HTTP callers, one row each', (v: string, all: number[] | undefined) => [...(all ?? []), positiveInteger(v)])
    .addOption(new Option('--engine <name>', 'auto: ONNX Runtime fp32 and int8 rows beside the TensorFlow.js reference; onnx or tfjs: that engine only').choices([...ENGINE_PREFERENCES]).default('auto'))
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: every core)', positiveInteger)
    .option('--calibration <dir>', 'images that int8 calibrates on (default: see fpga serve --help)')
    .option('--soak <n>', 'HTTP requests of the host memory check, after a warm-up (0 = skip)', (v: string) => Number(v), 0)
    .option('--json', 'print {"machine", "rows": [...]} as JSON')
    .action(async (options: BenchCommandOptions) => {
      const root = checkoutRoot();
      const image = options.image ?? join(root, '..', 'shared', 'images', 'hot_dog.jpg');
      if (!existsSync(image)) throw new UserError(`image not found: ${image} (pass --image <file.jpg>)`);
      const report = await runBench({
        pipelines: options.pipeline ?? [join(root, 'examples', 'mobilenet.pipeline.json'), join(root, 'examples', 'resnet50.pipeline.json')],
        image,
        modelStore: benchModelStore(root, options.modelStore),
        cliPath: process.argv[1] ?? '',
        seconds: options.seconds,
        minIterations: options.minIterations,
        concurrency: options.concurrency ?? [1, 8],
        engine: options.engine,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
        soak: Number.isInteger(options.soak) && options.soak > 0 ? options.soak : 0,
        progress: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      if (options.json) printJson(report);
      else process.stdout.write(markdownReport(report));
    });
}

/**
 * The store the bench reads: the one chosen (flag or $FPGA_MODEL_STORE), else the checkout's
 * ../shared/models when it exists (the bench measures the examples beside it, as it takes its
 * image from ../shared/images), else the default store.
 */
function benchModelStore(root: string, explicit: string | undefined): string {
  const shared = join(root, '..', 'shared', 'models');
  return chosenModelStore(explicit) ?? (existsSync(shared) ? shared : resolveModelStore());
}
