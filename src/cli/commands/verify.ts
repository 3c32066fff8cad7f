import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { readModelDef, readModelDefFile } from '../../pipeline/modelDefReader';
import type { ModelDef } from '../../pipeline/modelDefReader';
import { packagePipeline } from '../../pipeline/packager';
import { measureFidelity } from '../../runtime/fidelity';
import type { FidelityReport } from '../../runtime/fidelity';
import { sniffFormat } from '../../runtime/image/decode';
import { resolveModelStore } from '../../runtime/modelStore';
import { EXIT_USER_ERROR } from '../exitCodes';
import { positiveInteger } from '../options';
import { printJson, table } from '../output';

interface VerifyOptions {
  images: string;
  modelStore?: string;
  calibration?: string;
  threads?: number;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('fidelity report: ONNX Runtime fp32 against the TensorFlow.js reference, and int8 against fp32, image by image')
    .argument('<pipeline-or-zip>', 'a *.pipeline.json file or a model_def.zip')
    .requiredOption('--images <dir>', 'folder of images to compare on')
    .option('--model-store <dir>', 'featurizer weights and label lists (default: $FPGA_MODEL_STORE or ~/.fpga/models)')
    .option('--calibration <dir>', 'images that int8 calibrates on (default: see fpga serve --help)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: every core)', positiveInteger)
    .option('--json', 'print {"images": [...], "summary": {...}} as JSON')
    .action(async (target: string, options: VerifyOptions) => {
      const modelDef = await readTarget(target);
      const images = readImages(options.images);
      const report = await measureFidelity(modelDef, images, {
        modelStore: resolveModelStore(options.modelStore),
        ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
      });
      if (options.json) printJson({ images: report.images, summary: report.summary });
      else process.stdout.write(describe(report));
      // fp32 must give the reference's answers: a disagreement is a converter defect.
      if (report.summary.fp32_top1_agree < report.summary.images) process.exitCode = EXIT_USER_ERROR;
    });
}

async function readTarget(target: string): Promise<ModelDef> {
  if (!existsSync(target)) throw new UserError(`${target} does not exist: give a *.pipeline.json file or a model_def.zip`);
  if (target.endsWith('.zip')) return readModelDefFile(target);
  return readModelDef((await packagePipeline(target)).zip);
}

function readImages(folder: string): { path: string; bytes: Uint8Array }[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UserError(`--images ${folder} is not a folder: give a folder of JPEG, PNG, BMP, GIF or WebP images`);
  const images = readdirSync(folder)
    .sort()
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }))
    .filter((image) => sniffFormat(image.bytes) !== undefined);
  if (images.length === 0) throw new UserError(`${folder} holds no image (JPEG, PNG, BMP, GIF or WebP)`);
  return images;
}

function describe(report: FidelityReport): string {
  const s = report.summary;
  const rows = report.images.map((r) => [r.image, r.reference_top1, r.fp32_top1, r.fp32_max_abs_diff.toExponential(1), r.int8_top1, r.int8_top5_has_fp32_top1 ? 'yes' : 'NO']);
  return [
    `reference ${report.engines.reference} · fp32 ${report.engines.fp32} · int8 ${report.engines.int8}`,
    '',
    table([['image', 'reference top 1', 'fp32 top 1', 'fp32 max |diff|', 'int8 top 1', 'int8 top 5 has fp32 top 1'], ...rows]),
    '',
    `fp32 agrees with the reference on ${s.fp32_top1_agree} of ${s.images} images (max |diff| ${s.fp32_max_abs_diff.toExponential(2)}); ` +
      `int8 keeps fp32's top 1 on ${s.int8_top1_agree} of ${s.images}, within its top 5 on ${s.int8_top5_has_fp32_top1} of ${s.images}.`,
    '',
  ].join('\n');
}
