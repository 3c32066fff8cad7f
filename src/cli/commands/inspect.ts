import type { Command } from 'commander';
import { fileDigest } from '../../common/hash';
import { readModelDefFile } from '../../pipeline/modelDefReader';
import type { ServiceDef, ServiceStage } from '../../pipeline/serviceDef';
import { formatShape } from '../../pipeline/shapes';
import { formatBytes, printJson, table, terminalText } from '../output';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('verify a model_def.zip (every checksum, safe paths, sizes) and show its stages and files')
    .argument('<zip>', 'the model_def.zip file')
    .option('--json', 'print the result as JSON')
    .action(async (zipPath: string, options: { json?: boolean }) => {
      const modelDef = await readModelDefFile(zipPath);
      const { size, sha256 } = await fileDigest(zipPath);
      const entries = modelDef.manifest.entries.map((e) => ({ ...e, verified: true }));
      if (options.json) {
        printJson({ file: zipPath, bytes: size, sha256, serviceDef: modelDef.serviceDef, entries });
        return;
      }
      process.stdout.write(describe(zipPath, size, modelDef.serviceDef, entries.length));
      process.stdout.write(
        table([['#', 'stage', 'type', 'details'], ...modelDef.serviceDef.pipeline.map((s, i) => [String(i + 1), s.name, s.type, describeStage(s)])]) + '\n\n',
      );
      process.stdout.write(table([['size', 'sha256', 'path'], ...entries.map((e) => [formatBytes(e.size), e.sha256, e.path])]) + '\n');
    });
}

function describe(zipPath: string, size: number, def: ServiceDef, entries: number): string {
  const labels = 'store' in def.labels ? `${def.labels.store} (from the service's model store)` : def.labels.path;
  return (
    terminalText(`${zipPath}: ${formatBytes(size)}, ${entries + 1} entries, every checksum verified`) +
    '\n' +
    terminalText(`pipeline "${def.name}", runtime ${def.aml_runtime_version}, labels ${labels}, top ${def.top_k}`) +
    '\n\n'
  );
}

function describeStage(stage: ServiceStage): string {
  switch (stage.type) {
    case 'preprocess': {
      const resize = !stage.resize ? 'no resize' : 'shorterSide' in stage.resize ? `shorter side ${stage.resize.shorterSide}` : `${stage.resize.width}×${stage.resize.height}`;
      const crop = stage.center_crop ? `, crop ${stage.center_crop[0]}×${stage.center_crop[1]}` : '';
      return `${resize}${crop}, ${stage.channel_order}, mean ${formatShape(stage.mean)}, std ${formatShape(stage.std)}, scale ${stage.scale}`;
    }
    case 'brainwave':
      return `${stage.model_ref} v${stage.model_version} ${stage.precision} → ${formatShape(stage.output_tensor_dims)}`;
    case 'tensorflow':
      return `${stage.model_path} ${stage.input_tensor} ${formatShape(stage.input_shape)} → ${stage.output_tensor} ${formatShape(stage.output_shape)}`;
    case 'classifier':
      return 'model' in stage ? `default ImageNet classifier → ${stage.classes} classes` : `${stage.model_path} → ${stage.classes} classes`;
  }
}
