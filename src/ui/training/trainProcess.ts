/**
 * Training and evaluating run as the `fpga` CLI in a child process (the bundled CLI beside
 * the extension), not in the extension host: feature extraction and TensorFlow.js keep a
 * thread busy for seconds at a time, which would freeze every other extension. Progress
 * comes back as JSON lines on stderr (`--progress-json`), the result as JSON on stdout;
 * cancelling sends SIGINT, as Ctrl-C would, so training still writes its best epoch.
 */
import { spawn } from 'node:child_process';
import { UserError } from '../../common/errors';
import type { Evaluation } from '../../training/evaluation';
import type { TrainEvent, TrainResult } from '../../training/trainClassifier';

export interface TrainRequest {
  cliPath: string;
  dataset: string;
  featurizer: string;
  epochs: number;
  modelStore: string;
}

export async function runTraining(request: TrainRequest, onEvent: (event: TrainEvent) => void, signal: AbortSignal): Promise<TrainResult> {
  const args = ['train', request.dataset, '--featurizer', request.featurizer, '--epochs', String(request.epochs), '--json', '--progress-json'];
  return JSON.parse(await runFpga(request.cliPath, args, request.modelStore, signal, (line) => {
    const event = parseEvent(line);
    if (event) onEvent(event);
    return event !== undefined;
  })) as TrainResult;
}

/** `fpga evaluate <pipeline or zip> <dataset> --json`, run in the child. */
export async function runEvaluation(cliPath: string, model: string, dataset: string, modelStore: string, signal: AbortSignal): Promise<Evaluation> {
  return JSON.parse(await runFpga(cliPath, ['evaluate', model, dataset, '--json'], modelStore, signal, () => false)) as Evaluation;
}

/** Runs the CLI; resolves with its stdout, rejects with its one-line error. `onLine` claims the stderr lines it understood. */
async function runFpga(cliPath: string, args: readonly string[], modelStore: string, signal: AbortSignal, onLine: (line: string) => boolean): Promise<string> {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', FPGA_MODEL_STORE: modelStore }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (): void => void child.kill('SIGINT');
  signal.addEventListener('abort', stop, { once: true });
  let stdout = '';
  let pending = '';
  const errors: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (!onLine(line) && line.startsWith('fpga: ')) errors.push(line.slice('fpga: '.length));
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  signal.removeEventListener('abort', stop);
  if (code !== 0) throw new UserError(errors.at(-1) ?? `fpga ${args[0] ?? ''} exited with code ${code ?? 'null'}`);
  return stdout;
}

function parseEvent(line: string): TrainEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<TrainEvent>;
    return typeof value.type === 'string' ? (value as TrainEvent) : undefined;
  } catch {
    return undefined;
  }
}
