/**
 * The pipeline a "New Pipeline from Template" writes: the featurizer's conventional
 * pre-processing, the accelerated featurizer and its default ImageNet classifier. Free of
 * `vscode` so a unit test can check that every featurizer gives a valid file.
 */
import { DEFAULT_FEATURIZER_VERSION, conventionalPreprocess } from '../../pipeline/featurizers';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import { DEFAULT_TOP_K, IMAGENET_LABELS } from '../../pipeline/types';
import type { PipelineFile } from '../../pipeline/types';
import type { Localize } from '../localize';
import { formatMessage } from '../localize';

export const PIPELINE_SUFFIX = '.pipeline.json';

/**
 * The pipeline file a save dialog's answer stands for, always ending in exactly one
 * `.pipeline.json`: save dialogs append the filter's extension to a name that already has
 * it (`x.pipeline.json` came back as `x.pipeline.json.json`), and users type `x`, `x.json`
 * or `x.pipeline` too.
 */
export function pipelineFilePath(savedPath: string): string {
  const slash = savedPath.lastIndexOf('/') + 1;
  const stem = savedPath.slice(slash).replace(/(\.pipeline|\.json)+$/i, '');
  return `${savedPath.slice(0, slash)}${stem}${PIPELINE_SUFFIX}`;
}

/** The pipeline's name from its file: the stem when it is a valid name, else `fallback`. */
export function pipelineNameFromFile(filePath: string, fallback: string): string {
  const stem = filePath.slice(filePath.lastIndexOf('/') + 1).slice(0, -PIPELINE_SUFFIX.length);
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(stem) ? stem : fallback;
}

/** `mobilenet_v1_0.75` → `mobilenet-v1-0-75-imagenet`: a pipeline name that is also a good service name. */
export function templatePipelineName(featurizer: FeaturizerInfo): string {
  return `${featurizer.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-imagenet`;
}

export function pipelineTemplate(featurizer: FeaturizerInfo, name = templatePipelineName(featurizer)): PipelineFile {
  const version = featurizer.versions.includes(DEFAULT_FEATURIZER_VERSION) ? DEFAULT_FEATURIZER_VERSION : featurizer.versions[0];
  return {
    name,
    description: `${featurizer.displayName} featurizer with its default ImageNet classifier.`,
    stages: [
      conventionalPreprocess(featurizer),
      { type: 'accelerated', name: 'featurizer', model: featurizer.name, ...(version ? { version } : {}), precision: 'fp32' },
      { type: 'classifier', name: 'classifier', model: 'default' },
    ],
    labels: IMAGENET_LABELS,
    topK: DEFAULT_TOP_K,
  };
}

/** The file text: two-space JSON with a final newline, as an editor would save it. */
export function pipelineTemplateText(featurizer: FeaturizerInfo, name?: string): string {
  return `${JSON.stringify(pipelineTemplate(featurizer, name), null, 2)}\n`;
}

/** What the quick pick says under a featurizer: its feature shape and the pre-processing it expects. */
export function featurizerDetail(featurizer: FeaturizerInfo, t: Localize = formatMessage): string {
  const p = featurizer.preprocess;
  const resize = 'shorterSide' in p.resize ? t('resize shorter side to {0}', p.resize.shorterSide) : t('resize to {0}×{1}', p.resize.width, p.resize.height);
  const crop = p.centerCrop ? t(', center crop {0}×{1}', p.centerCrop[0], p.centerCrop[1]) : '';
  const scaled = p.std.some((s) => s !== 1) ? t('mean {0}, std {1}', p.mean.join('/'), p.std.join('/')) : t('mean {0} subtracted', p.mean.join('/'));
  return t('features {0} · {1}{2}, {3}, {4}', featurizer.featureShape.join('×'), resize, crop, p.channelOrder, scaled);
}

/**
 * Where Package Pipeline writes a pipeline's zip: `<stem>.model_def.zip` beside it, so that
 * the pipelines of one folder never overwrite each other's `model_def.zip`.
 */
export function modelDefPath(pipelinePath: string): string {
  const stem = pipelinePath.endsWith(PIPELINE_SUFFIX) ? pipelinePath.slice(0, -PIPELINE_SUFFIX.length) : pipelinePath.replace(/\.json$/i, '');
  return `${stem}.model_def.zip`;
}
