/**
 * Classifying image files with any workspace's service and printing the results: `fpga
 * classify` and `fpga azure classify`. A batch prints every result it could compute and
 * reports each image that has none, exiting non-zero.
 */
import { isUserError } from '../common/errors';
import { describeStageEngines } from '../runtime/engines/stageEngine';
import type { Classification, Workspace } from '../workspaces/workspace';
import { isWorkspaceError } from '../workspaces/workspaceError';
import { EXIT_USER_ERROR } from './exitCodes';
import { readInputFile } from './inputFile';
import { printJson, table, terminalText } from './output';

export interface ClassifyImagesOptions {
  service: string;
  top?: number;
  json?: boolean;
}

type ClassifyResult = Classification & { image: string };

interface ImageFailure {
  image: string;
  error: string;
}

export async function classifyImages(workspace: Workspace, images: string[], options: ClassifyImagesOptions): Promise<void> {
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
      result = { image, ...(await workspace.classify(options.service, bytes, options.top === undefined ? {} : { top: options.top })) };
    } catch (error) {
      if (!isWorkspaceError(error, 'bad_request')) {
        // The workspace or the service failed, not this image: the rest would fail alike. Keep what was computed.
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
  const engines = result.engines ? describeStageEngines(result.engines) : (result.backend ?? 'unknown engine');
  return `${terminalText(result.image)}
${table([['#', 'confidence', 'index', 'label'], ...rows])}
ms: ${timings} (${terminalText(engines)}${synthetic})
`;
}
