import { Option } from 'commander';
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { UserError } from '../../common/errors';
import { FEATURIZERS } from '../../pipeline/featurizers';
import type { Precision } from '../../pipeline/types';
import { ENGINE_PREFERENCES } from '../../runtime/engines/stageEngine';
import type { EnginePreference } from '../../runtime/engines/stageEngine';
import { resolveModelStore } from '../../runtime/modelStore';
import { trainingReport } from '../../training/report/reports';
import { standaloneReport } from '../../training/report/renderReport';
import { DEFAULT_HEAD_OPTIONS } from '../../training/headOptions';
import { DEFAULT_SEED, DEFAULT_VALIDATION_SPLIT, trainClassifier } from '../../training/trainClassifier';
import type { TrainResult } from '../../training/trainClassifier';
import { fraction, nonNegativeInteger, positiveInteger, positiveNumber } from '../options';
import { printJson, terminalText } from '../output';
import { progressStyle, trainingProgress } from '../trainingProgress';
import { whileInterruptible } from '../interrupt';

interface TrainCommandOptions {
  featurizer: string;
  output?: string;
  epochs: number;
  validationSplit: number;
  augment?: boolean;
  seed: number;
  precision: Precision;
  hidden: number;
  dropout: number;
  batchSize: number;
  learningRate: number;
  modelStore?: string;
  engine: EnginePreference;
  threads?: number;
  calibration?: string;
  compileCache?: string;
  featureCache?: string;
  report?: string;
  json?: boolean;
  progressJson?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a classifier on a folder of images (one subfolder per class) over an accelerated featurizer, and write a deployable pipeline')
    .argument('<dataset>', 'folder with one subfolder of images per class; the subfolder name is the label')
    .addOption(new Option('--featurizer <name>', 'catalog featurizer whose features the classifier learns from').choices(FEATURIZERS.map((f) => f.name)).makeOptionMandatory())
    .option('-o, --output <dir>', 'folder for the pipeline, its classifier and labels (default: <dataset>-classifier beside the dataset)')
    .option('--epochs <n>', 'passes over the training images', positiveInteger, DEFAULT_HEAD_OPTIONS.epochs)
    .option('--validation-split <fraction>', 'share of each class kept apart to measure accuracy on (0 = none)', fraction, DEFAULT_VALIDATION_SPLIT)
    .option('--augment', 'also train on mirrored and cropped copies of each training image')
    .option('--seed <n>', 'seed of the split, initial weights, shuffling and dropout: the same seed gives the same classifier', nonNegativeInteger, DEFAULT_SEED)
    .addOption(new Option('--precision <p>', 'precision the featurizer runs at (in training and in the service)').choices(['fp32', 'int8']).default('fp32'))
    .option('--hidden <units>', 'units of a hidden ReLU layer before the softmax (0 = none)', nonNegativeInteger, DEFAULT_HEAD_OPTIONS.hidden)
    .option('--dropout <fraction>', 'dropout on the last layer\'s inputs while training', fraction, DEFAULT_HEAD_OPTIONS.dropout)
    .option('--batch-size <n>', 'images per training step', positiveInteger, DEFAULT_HEAD_OPTIONS.batchSize)
    .option('--learning-rate <rate>', 'Adam learning rate', positiveNumber, DEFAULT_HEAD_OPTIONS.learningRate)
    .option('--model-store <dir>', 'featurizer weights (default: $FPGA_MODEL_STORE or ~/.fpga/models)')
    .addOption(new Option('--engine <name>', 'engine that computes the features: auto = ONNX Runtime wherever the featurizer compiles').choices([...ENGINE_PREFERENCES]).default('auto'))
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: every core)', positiveInteger)
    .option('--calibration <dir>', 'images int8 calibrates on (default: see fpga serve --help)')
    .option('--compile-cache <dir>', 'compiled models (default: $FPGA_COMPILE_CACHE or ~/.fpga/compiled)')
    .option('--feature-cache <dir>', 'computed features (default: $FPGA_FEATURE_CACHE or ~/.fpga/features)')
    .option('--report <file.html>', 'also write the training report as one self-contained HTML file')
    .option('--json', 'print {"classes", "images", "train_accuracy", "validation_accuracy", "epochs", "pipeline", "features_computed", "features_cached", ...}')
    .addOption(new Option('--progress-json', 'progress as one JSON object a line on stderr').hideHelp())
    .action(async (dataset: string, options: TrainCommandOptions) => {
      const { result, record } = await whileInterruptible('stopping after this step: the best epoch so far is kept (Ctrl-C again quits at once)', (signal) =>
        trainClassifier({
          dataset,
          featurizer: options.featurizer,
          precision: options.precision,
          modelStore: resolveModelStore(options.modelStore),
          engine: options.engine,
          ...(options.output !== undefined ? { output: options.output } : {}),
          ...(options.threads !== undefined ? { threads: options.threads } : {}),
          ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
          ...(options.compileCache !== undefined ? { compileCache: options.compileCache } : {}),
          ...(options.featureCache !== undefined ? { featureCache: options.featureCache } : {}),
          epochs: options.epochs,
          validationSplit: options.validationSplit,
          augment: options.augment ?? false,
          seed: options.seed,
          hidden: options.hidden,
          dropout: options.dropout,
          batchSize: options.batchSize,
          learningRate: options.learningRate,
          signal,
          onEvent: trainingProgress(progressStyle(options.progressJson ?? false)),
        }),
      );
      if (options.report !== undefined) await writeReport(options.report, standaloneReport(await trainingReport(record)));
      if (options.json) printJson(result);
      else process.stdout.write(describe(result, record.dataset.train, record.dataset.validation));
    });
}

export async function writeReport(path: string, html: string): Promise<void> {
  await writeFile(path, html).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot write the report ${path}: ${error.code ?? error.message}`);
  });
}

function describe(result: TrainResult, train: number, validation: number): string {
  const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
  const accuracy = result.validation_accuracy !== null ? `training accuracy ${percent(result.train_accuracy)}, validation accuracy ${percent(result.validation_accuracy)}` : `training accuracy ${percent(result.train_accuracy)} (no validation images)`;
  return [
    `${result.classes.length} classes (${result.classes.map(terminalText).join(', ')}), ${result.images} images: ${train} training, ${validation} validation`,
    `best epoch ${result.best_epoch} of ${result.epochs}${result.stopped ? ' (stopped early)' : ''}: ${accuracy}`,
    `features: ${result.features_computed} computed, ${result.features_cached} from the cache`,
    `pipeline: ${terminalText(result.pipeline)}`,
    `next: fpga evaluate ${terminalText(result.pipeline)} <folder of other images>, or fpga deploy ${terminalText(result.pipeline)} --name <service>`,
    '',
  ].join('\n');
}
