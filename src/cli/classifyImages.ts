/** Classifying image files with any workspace's service and printing the result: `fpga classify` and `fpga azure classify`. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../common/errors';
import { describeStageEngines } from '../runtime/engines/stageEngine';
import type { Classification, Workspace } from '../workspaces/workspace';
import { printJson, table, terminalText } from './output';

export interface ClassifyImagesOptions {
  service: string;
  top?: number;
  json?: boolean;
}

export async function classifyImages(workspace: Workspace, images: string[], options: ClassifyImagesOptions): Promise<void> {
  const results: (Classification & { image: string })[] = [];
  for (const image of images) {
    const bytes = await readFile(image).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(error.code === 'ENOENT' ? `image not found: ${image}` : `cannot read ${image}: ${error.code ?? error.message}`);
    });
    const result = await workspace.classify(options.service, bytes, options.top === undefined ? {} : { top: options.top }).catch((error: unknown) => {
      throw error instanceof UserError ? new UserError(`${image}: ${error.message}`) : error;
    });
    results.push({ image, ...result });
  }
  if (options.json) printJson(results);
  else process.stdout.write(results.map(describe).join('\n'));
}

function describe(result: Classification & { image: string }): string {
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
