import type { Command } from 'commander';
import { classifyImages } from '../classifyImages';
import type { ClassifyImagesOptions } from '../classifyImages';
import { runningWorkspace, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { positiveInteger } from '../options';

export function registerClassify(program: Command): void {
  withStateOption(
    program
      .command('classify')
      .description('classify images with a deployed service: top classes with confidences and per-stage milliseconds')
      .argument('<image...>', 'image files (JPEG, PNG, BMP, GIF, WebP)')
      .requiredOption('-s, --service <service>', 'service name')
      .option('--top <k>', 'how many classes (default: the pipeline\'s topK)', positiveInteger)
      .option('--json', 'print [{"image","predictions","timings_ms","backend"}], and {"image","error"} for an image that could not be classified'),
  ).action(async (images: string[], options: ClassifyImagesOptions & StateOption) => {
    await classifyImages(await runningWorkspace(options.state), images, options);
  });
}
