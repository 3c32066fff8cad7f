/**
 * Packaging: a validated pipeline file becomes `model_def.zip` — `service_def.json` in the
 * original shape, the model and label files its stages name, and `manifest.json` with
 * the size and SHA-256 of every entry. Fixed timestamps, permissions and entry order make
 * the same inputs give the same bytes.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import JSZip from 'jszip';
import { displayPath } from '../common/displayPath';
import { UserError } from '../common/errors';
import { sha256Hex } from '../common/hash';
import { stableStringify } from '../common/stableJson';
import { DEFAULT_FEATURIZER_VERSION, findFeaturizer } from './featurizers';
import { formatProblem } from './problems';
import type { Problem } from './problems';
import { AML_RUNTIME_VERSION, MANIFEST_ENTRY, MANIFEST_FORMAT, SERVICE_DEF_ENTRY } from './serviceDef';
import type { Manifest, ServiceDef, ServiceLabels, ServiceStage } from './serviceDef';
import { readTfjsModelFiles } from './tfjsModelFiles';
import { DEFAULT_TOP_K, IMAGENET_LABELS } from './types';
import type { PipelineFile, Precision, Stage } from './types';
import { validatePipelineText } from './validate';

export const MODEL_DEF_FILE = 'model_def.zip';
/** 1980-01-01, the earliest time a zip (DOS) timestamp can hold. */
const FIXED_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
const LABELS_ENTRY = 'labels.txt';

export class PipelineInvalidError extends UserError {
  override readonly name = 'PipelineInvalidError';
  constructor(
    readonly pipelinePath: string,
    readonly problems: Problem[],
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}: run "fpga validate" to list them all)` : '';
    super(first ? formatProblem(displayPath(pipelinePath), first) + more : `${displayPath(pipelinePath)} is not a valid pipeline`);
  }
}

export interface PackagedModelDef {
  zip: Buffer;
  serviceDef: ServiceDef;
  manifest: Manifest;
}

export interface PackageResult {
  outPath: string;
  bytes: number;
  sha256: string;
  entries: number;
  warnings: Problem[];
}

export function defaultModelDefPath(pipelinePath: string): string {
  return join(dirname(resolve(pipelinePath)), MODEL_DEF_FILE);
}

/** Packages a pipeline file and writes the zip (atomically: a crash leaves no half-written zip). */
export async function packagePipelineFile(pipelinePath: string, outPath = defaultModelDefPath(pipelinePath)): Promise<PackageResult> {
  const { zip, manifest, warnings } = await packagePipeline(pipelinePath);
  const target = resolve(outPath);
  const temporary = `${target}.${process.pid}.partial`;
  try {
    await writeFile(temporary, zip);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new UserError(`cannot write ${outPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return { outPath: target, bytes: zip.length, sha256: sha256Hex(zip), entries: manifest.entries.length + 1, warnings };
}

/** Validates and packages in memory; throws `PipelineInvalidError` listing every problem. */
/** Variations of a pipeline packaged without editing its file (the benchmark's int8 variants). */
export interface PackageVariant {
  /** Every accelerated stage at this precision. */
  precision?: Precision;
  /** Appended to the pipeline's name. */
  nameSuffix?: string;
}

export async function packagePipeline(pipelinePath: string, variant: PackageVariant = {}): Promise<PackagedModelDef & { warnings: Problem[] }> {
  const text = await readPipelineText(pipelinePath);
  const { pipeline: valid, problems } = validatePipelineText(text, pipelinePath);
  if (!valid) throw new PipelineInvalidError(pipelinePath, problems);
  const pipeline = applyVariant(valid, variant);

  const baseDir = dirname(resolve(pipelinePath));
  const files = new Map<string, Buffer>();
  const stages: ServiceStage[] = [];
  let previous: ServiceStage | undefined;
  for (const stage of pipeline.stages) {
    const serviceStage = await toServiceStage(stage, previous, baseDir, files);
    stages.push(serviceStage);
    previous = serviceStage;
  }
  const draft: ServiceDef = {
    aml_runtime_version: AML_RUNTIME_VERSION,
    name: pipeline.name,
    pipeline: stages,
    labels: await packageLabels(pipeline, baseDir, files),
    top_k: pipeline.topK ?? DEFAULT_TOP_K,
  };
  const serviceDefText = stableStringify(draft);
  files.set(SERVICE_DEF_ENTRY, Buffer.from(serviceDefText));
  // Hand back what the zip holds (absent optional fields left out), as a reader would see it.
  const serviceDef = JSON.parse(serviceDefText) as ServiceDef;

  const paths = [...files.keys()].sort();
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    entries: paths.map((path) => {
      const data = files.get(path) as Buffer;
      return { path, size: data.length, sha256: sha256Hex(data) };
    }),
  };
  const zip = await writeZip([...paths.map((p): [string, Buffer] => [p, files.get(p) as Buffer]), [MANIFEST_ENTRY, Buffer.from(stableStringify(manifest))]]);
  return { zip, serviceDef, manifest, warnings: problems };
}

function applyVariant(pipeline: PipelineFile, variant: PackageVariant): PipelineFile {
  const { precision, nameSuffix } = variant;
  return {
    ...pipeline,
    name: `${pipeline.name}${nameSuffix ?? ''}`,
    stages: pipeline.stages.map((stage) => (stage.type === 'accelerated' && precision !== undefined ? { ...stage, precision } : stage)),
  };
}

async function readPipelineText(pipelinePath: string): Promise<string> {
  try {
    return await readFile(pipelinePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `pipeline file not found: ${pipelinePath}` : `cannot read ${pipelinePath}: ${code ?? String(error)}`);
  }
}

async function toServiceStage(stage: Stage, previous: ServiceStage | undefined, baseDir: string, files: Map<string, Buffer>): Promise<ServiceStage> {
  switch (stage.type) {
    case 'preprocess':
      return {
        type: 'preprocess',
        name: stage.name,
        resize: stage.resize,
        interpolation: stage.interpolation ?? 'bilinear',
        center_crop: stage.centerCrop,
        channel_order: stage.channelOrder ?? 'RGB',
        mean: stage.mean ?? [0, 0, 0],
        std: stage.std ?? [1, 1, 1],
        scale: stage.scale ?? 1,
      };
    case 'accelerated': {
      // Validation guarantees the featurizer exists.
      const featurizer = findFeaturizer(stage.model);
      if (!featurizer) throw new UserError(`unknown featurizer "${stage.model}"`);
      return {
        type: 'brainwave',
        name: stage.name,
        model_ref: featurizer.name,
        model_version: stage.version ?? DEFAULT_FEATURIZER_VERSION,
        input_tensor_dims: [...featurizer.inputShape],
        output_tensor_dims: [...featurizer.featureShape],
        precision: stage.precision ?? 'fp32',
      };
    }
    case 'tensorflow':
      return {
        type: 'tensorflow',
        name: stage.name,
        model_path: await packageTfjsModel(stage.name, stage.model, baseDir, files),
        input_tensor: stage.inputTensor,
        output_tensor: stage.outputTensor,
        input_shape: stage.inputShape,
        output_shape: stage.outputShape,
      };
    case 'classifier':
      if ('inputTensor' in stage) {
        return {
          type: 'classifier',
          name: stage.name,
          model_path: await packageTfjsModel(stage.name, stage.model, baseDir, files),
          input_tensor: stage.inputTensor,
          output_tensor: stage.outputTensor,
          input_shape: stage.inputShape,
          classes: stage.classes,
        };
      }
      if (previous?.type !== 'brainwave') throw new UserError(`stage "${stage.name}": the default classifier must follow an accelerated stage`);
      return {
        type: 'classifier',
        name: stage.name,
        model: 'default',
        input_tensor_dims: previous.output_tensor_dims,
        classes: findFeaturizer(previous.model_ref)?.classes ?? 1000,
      };
  }
}

/** Copies model.json and its weight shards to `stages/<stage>/`; returns the model.json entry. */
async function packageTfjsModel(stageName: string, model: string, baseDir: string, files: Map<string, Buffer>): Promise<string> {
  const modelPath = resolve(baseDir, model);
  const listed = readTfjsModelFiles(modelPath);
  if (!listed.ok) throw new UserError(`stage "${stageName}": ${listed.error}`);
  const folder = posix.join('stages', stageName);
  const entry = posix.join(folder, basename(modelPath));
  files.set(entry, await readInput(modelPath));
  for (const weight of listed.weightPaths) {
    files.set(posix.join(folder, weight), await readInput(resolve(dirname(modelPath), weight)));
  }
  return entry;
}

async function packageLabels(pipeline: PipelineFile, baseDir: string, files: Map<string, Buffer>): Promise<ServiceLabels> {
  // ImageNet class names are model store content, like featurizer weights: the service supplies them.
  if (pipeline.labels === IMAGENET_LABELS) return { store: IMAGENET_LABELS };
  files.set(LABELS_ENTRY, await readInput(resolve(baseDir, pipeline.labels)));
  return { path: LABELS_ENTRY };
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (was it moved or deleted after validation?)`);
  }
}

async function writeZip(entries: [string, Buffer][]): Promise<Buffer> {
  const zip = new JSZip();
  for (const [path, data] of entries) {
    zip.file(path, data, { date: FIXED_DATE, createFolders: false, unixPermissions: 0o644, binary: true });
  }
  return zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 9 },
    platform: 'UNIX',
    streamFiles: false,
  });
}
