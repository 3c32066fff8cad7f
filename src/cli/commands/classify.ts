import type { Command } from 'commander';
import { describeStageEngines } from '../../runtime/engines/stageEngine';
import { isUserError } from '../../common/errors';
import { HostRequestError } from '../../workspaces/local/hostClient';
import type { Classification } from '../../workspaces/workspace';
import { EXIT_USER_ERROR } from '../exitCodes';
import { readInputFile } from '../inputFile';
import { runningWorkspace, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { positiveInteger } from '../options';
import { printJson, table, terminalText } from '../output';

interface ClassifyOptions extends StateOption {
  service: string;
  top?: number;
  json?: boolean;
}

export function registerClassify(program: Command): void {
  withStateOption(
    program
      .command('classify')
      .description('classify images with a deployed service: top classes with confidences and per-stage milliseconds')
      .argument('<image...>', 'image files (JPEG, PNG, BMP, GIF, WebP)')
      .requiredOption('-s, --service <service>', 'service name')
      .option('--top <k>', 'how many classes (default: the pipeline\'s topK)', positiveInteger)
      .option('--json', 'print [{"image","predictions","timings_ms","backend"}], and {"image","error"} for an image that could not be classified'),
  ).action(async (images: string[], options: ClassifyOptions) => {
    const workspace = await runningWorkspace(options.state);
    // A wrong service name fails every image alike: say so once (with a "did you mean"), before any image.
    await workspace.getService(options.service);
    // In the order given, each image's result or why it has none.
    const outcomes: (ClassifyResult | ImageFailure)[] = [];
    const failures: ImageFailure[] = [];
    const fail = (failure: ImageFailure): void => {
      outcomes.push(failure);
      failures.push(failure);
    };
    for (const image of images) {
      let bytes: Buffer;
      try {
        bytes = await readInputFile(image, 'an image file (JPEG, PNG, BMP, GIF or WebP)', `for the images in it: ${image.replace(/\/+$/, '')}/*.jpg`);
      } catch (error) {
        if (!isUserError(error)) throw error;
        fail({ image, error: error.message });
        continue;
      }
      let result: ClassifyResult;
      try {
        result = { image, ...(await workspace.classify(options.service, bytes, options.top)) };
      } catch (error) {
        if (!isImageProblem(error)) {
          // The host or the service failed, not this image: the rest would fail alike. Keep what was computed.
          reportFailures(outcomes, failures, options.json);
          throw error;
        }
        fail({ image, error: `${image}: ${error.message}` });
        continue;
      }
      if (!options.json) process.stdout.write((outcomes.length > failures.length ? '\n' : '') + describe(result));
      outcomes.push(result);
    }
    if (options.json) printJson(outcomes);
    if (failures.length === 0) return;
    // Every result above stands; each image that has none is reported on its own line, and the exit code says some failed.
    for (const failure of failures) process.stderr.write(`fpga: ${failure.error}\n`);
    if (failures.length > 1 || images.length > 1) process.stderr.write(`fpga: ${failures.length} of ${images.length} images could not be classified\n`);
    process.exitCode = EXIT_USER_ERROR;
  });
}

type ClassifyResult = Classification & { image: string };

interface ImageFailure {
  image: string;
  error: string;
}

/** The host's answer about the image itself (not an image, too large), which the other images do not share. */
function isImageProblem(error: unknown): error is HostRequestError {
  return error instanceof HostRequestError && (error.status === 400 || error.status === 413);
}

/** Before a failure that stops the batch: the outcomes so far (the results are printed already unless --json). */
function reportFailures(outcomes: (ClassifyResult | ImageFailure)[], failures: ImageFailure[], json: boolean | undefined): void {
  if (json) printJson(outcomes);
  for (const failure of failures) process.stderr.write(`fpga: ${failure.error}\n`);
}

function describe(result: ClassifyResult): string {
  const rows = result.predictions.map((p, i) => [String(i + 1), `${(p.score * 100).toFixed(2)}%`, String(p.index), p.label]);
  const timings = Object.entries(result.timings_ms)
    .map(([stage, ms]) => `${terminalText(stage)} ${ms.toFixed(1)}`)
    .join(', ');
  const synthetic = result.synthetic ? ' — SYNTHETIC weights: classes are meaningless' : '';
  const engines = result.engines ? describeStageEngines(result.engines) : result.backend;
  return `${terminalText(result.image)}
${table([['#', 'confidence', 'index', 'label'], ...rows])}
ms: ${timings} (${terminalText(engines)}${synthetic})
`;
}
