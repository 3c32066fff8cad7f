import type { Command } from 'commander';
import { classifyImages } from '../../classifyImages';
import { positiveInteger } from '../../options';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

interface ClassifyOptions extends WorkspaceOptions {
  service: string;
  top?: number;
}

export function registerAzureClassify(azure: Command): void {
  withWorkspaceOptions(
    azure
      .command('classify')
      .description('classify images with an endpoint: top classes with confidences and per-stage milliseconds')
      .argument('<image...>', 'image files (JPEG, PNG, BMP, GIF, WebP)')
      .requiredOption('-s, --service <service>', 'endpoint name')
      .option('--top <k>', 'how many classes (default: the pipeline\'s topK)', positiveInteger),
  ).action(async (images: string[], options: ClassifyOptions) => {
    await classifyImages(await openWorkspace(options, interruptSignal()), images, options);
  });
}
