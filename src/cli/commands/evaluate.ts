import { Option } from 'commander';
import type { Command } from 'commander';
import { UserError } from '../../common/errors';
import { ENGINE_PREFERENCES } from '../../runtime/engines/stageEngine';
import type { EnginePreference } from '../../runtime/engines/stageEngine';
import { resolveModelStore } from '../../runtime/modelStore';
import { requireImages, scanDataset } from '../../training/dataset';
import { evaluateDataset, readModelTarget, serviceScorer } from '../../training/evaluateDataset';
import { pipelineScorer } from '../../training/pipelineScorer';
import type { DatasetEvaluation, Scorer } from '../../training/evaluateDataset';
import { evaluationReport } from '../../training/report/reports';
import { standaloneReport } from '../../training/report/renderReport';
import { whileInterruptible } from '../interrupt';
import { runningWorkspace, withStateOption } from '../localHost';
import { openWorkspace } from './azure/azureConnection';
import type { StateOption } from '../localHost';
import { positiveInteger } from '../options';
import { printJson, table, terminalText } from '../output';
import { writeReport } from './train';

interface EvaluateOptions extends StateOption {
  service?: string;
  /** An Azure Machine Learning workspace's resource id: the service is its endpoint. */
  workspace?: string;
  modelStore?: string;
  engine: EnginePreference;
  threads?: number;
  calibration?: string;
  compileCache?: string;
  report?: string;
  json?: boolean;
}

export function registerEvaluate(program: Command): void {
  withStateOption(
    program
      .command('evaluate')
      .description('accuracy, per-class precision and recall, the confusion matrix and the mistakes of a model on a folder of images (one subfolder per class)')
      .usage('<pipeline|model_def.zip> <dataset> | --service <name> <dataset> [options]')
      .argument('<model-or-dataset>', 'a *.pipeline.json or model_def.zip to run in this process; with --service, the dataset')
      .argument('[dataset]', 'folder with one subfolder of images per class, named as the model\'s labels')
      .option('-s, --service <name>', 'evaluate a service deployed on the local host instead')
      .option('-w, --workspace <resource id>', 'with --service: the Azure Machine Learning workspace whose endpoint it is (signs in as "fpga azure" does)')
      .option('--model-store <dir>', 'featurizer weights and label lists (default: $FPGA_MODEL_STORE or ~/.fpga/models)')
      .addOption(new Option('--engine <name>', 'engine of the model stages when run in this process').choices([...ENGINE_PREFERENCES]).default('auto'))
      .option('--threads <n>', 'ONNX Runtime intra-op threads (default: every core)', positiveInteger)
      .option('--calibration <dir>', 'images int8 calibrates on (default: see fpga serve --help)')
      .option('--compile-cache <dir>', 'compiled models (default: $FPGA_COMPILE_CACHE or ~/.fpga/compiled)')
      .option('--report <file.html>', 'also write the report as one self-contained HTML file')
      .option('--json', 'print {"accuracy", "images", "classes", "per_class", "confusion", "mistakes"}'),
  ).action(async (first: string, second: string | undefined, options: EvaluateOptions) => {
    if (options.workspace !== undefined && options.service === undefined) throw new UserError('--workspace names where the service of --service runs: give --service <endpoint name> too');
    const { target, datasetRoot } = positionals(first, second, options.service);
    const dataset = await scanDataset(datasetRoot);
    requireImages(dataset);
    const scorer = await openScorer(target, options);
    let outcome: DatasetEvaluation;
    try {
      outcome = await whileInterruptible('stopping the evaluation', (signal) =>
        evaluateDataset(dataset, scorer, { signal }).catch((error: unknown) => {
          throw signal.aborted ? new UserError('evaluation stopped before every image was classified: nothing was reported') : error;
        }),
      );
    } finally {
      scorer.dispose();
    }
    for (const label of outcome.unknownClasses) process.stderr.write(`fpga: warning: class "${terminalText(label)}" is not one of the model's labels, so each of its images counts as a mistake\n`);
    for (const skip of dataset.skipped) process.stderr.write(`skipped ${terminalText(skip.name)}: ${skip.reason} (${terminalText(skip.detail)})\n`);
    if (options.report !== undefined) await writeReport(options.report, standaloneReport(await evaluationReport(target.label, dataset.root, scorer.description, outcome)));
    if (options.json) printJson(outcome.evaluation);
    else process.stdout.write(describe(outcome, scorer.description));
  });
}

type Target = { label: string } & ({ kind: 'service'; service: string } | { kind: 'file'; path: string });

function positionals(first: string, second: string | undefined, service: string | undefined): { target: Target; datasetRoot: string } {
  if (service !== undefined) {
    if (second !== undefined) throw new UserError(`with --service, give only the dataset folder (not ${first} as well)`);
    return { target: { kind: 'service', service, label: service }, datasetRoot: first };
  }
  if (second === undefined) throw new UserError('give the model and the dataset folder: fpga evaluate <pipeline|model_def.zip> <dataset>, or fpga evaluate --service <name> <dataset>');
  return { target: { kind: 'file', path: first, label: first }, datasetRoot: second };
}

async function openScorer(target: Target, options: EvaluateOptions): Promise<Scorer> {
  if (target.kind === 'file') {
    return pipelineScorer(await readModelTarget(target.path), {
      modelStore: resolveModelStore(options.modelStore),
      engine: options.engine,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
      ...(options.compileCache !== undefined ? { compileCache: options.compileCache } : {}),
    });
  }
  const workspace = options.workspace === undefined ? await runningWorkspace(options.state) : await openWorkspace({ workspace: options.workspace }, new AbortController().signal);
  const service = await workspace.getService(target.service);
  if (service.state !== 'Healthy') throw new UserError(`service ${target.service} is ${service.state}${service.error ? ` (${service.error})` : ''}: evaluate a Healthy service`);
  // The one place the CLI classifies through a workspace for an evaluation.
  return serviceScorer(target.service, service.classes, async (image, top) => (await workspace.classify(target.service, image, { top })).predictions);
}

function describe(outcome: DatasetEvaluation, model: string): string {
  const e = outcome.evaluation;
  const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
  const perClass = table([['class', 'images', 'precision', 'recall'], ...e.per_class.map((c) => [c.class, String(c.images), percent(c.precision), percent(c.recall)])]);
  const confusion = table([['expected \\ predicted', ...e.confusion_columns], ...e.classes.map((label, r) => [label, ...(e.confusion[r] ?? []).map(String)])]);
  const mistakes = e.mistakes.map((m) => `  ${terminalText(m.image)}: ${terminalText(m.expected)} → ${terminalText(m.predicted)} (top 3: ${m.top3.map((g) => `${terminalText(g.label)} ${percent(g.score)}`).join(', ')})`);
  return [
    `${model}`,
    `accuracy ${percent(e.accuracy)}: ${e.images - e.mistakes.length} of ${e.images} images right`,
    '',
    perClass,
    '',
    confusion,
    '',
    e.mistakes.length === 0 ? 'no mistakes' : `mistakes (${e.mistakes.length}):`,
    ...mistakes,
    '',
  ].join('\n');
}
