import type { Command } from 'commander';
import { UserError, messageOf } from '../../common/errors';
import { formatBytes } from '../../common/formatBytes';
import { pullFeaturizer } from '../../runtime/featurizers/pull';
import type { PullResult } from '../../runtime/featurizers/pull';
import { progressPrinter } from '../../runtime/featurizers/pullProgress';
import { importWeights, verifyFeaturizer } from '../../runtime/featurizers/storeCheck';
import type { VerifyResult } from '../../runtime/featurizers/storeCheck';
import { catalogEntry, storeStatus, storeWeightSource } from '../../runtime/featurizers/storeStatus';
import { FEATURIZERS } from '../../pipeline/featurizers';
import { resolveModelStore } from '../../runtime/modelStore';
import { EXIT_USER_ERROR } from '../exitCodes';
import { printJson, table } from '../output';

interface StoreOptions {
  modelStore?: string;
  json?: boolean;
}

const STORE_OPTION = ['--model-store <dir>', 'model store (default: $FPGA_MODEL_STORE or ~/.fpga/models)'] as const;

export function registerFeaturizers(program: Command): void {
  const featurizers = program.command('featurizers').description('the featurizer catalog and its weights in the model store');

  featurizers
    .command('list')
    .description('list the catalog with parameter counts and whether the store has real weights')
    .option(...STORE_OPTION)
    .option('--json', 'print JSON')
    .action((options: StoreOptions) => {
      const list = storeStatus(resolveModelStore(options.modelStore));
      if (options.json) {
        printJson(list);
        return;
      }
      const rows = list.map((f) => [f.name, f.version, f.params.toLocaleString('en-US'), `[${f.feature_shape.join(', ')}]`, f.weights]);
      process.stdout.write(table([['featurizer', 'version', 'params', 'features', 'weights'], ...rows]) + '\n');
    });

  featurizers
    .command('pull')
    .description("download the official weight files into the model store (resumable, hash-checked)")
    .argument('<name...>', 'catalog names, e.g. resnet50 vgg16')
    .option(...STORE_OPTION)
    .option('--from <url>', 'folder URL to download from instead of the official one (also $FPGA_WEIGHTS_BASE_URL)')
    .option('--json', 'print JSON')
    .action(async (names: string[], options: StoreOptions & { from?: string }) => {
      for (const name of names) catalogEntry(name);
      const store = resolveModelStore(options.modelStore);
      const results: PullResult[] = [];
      const failures: { name: string; error: string }[] = [];
      for (const name of names) {
        const progress = progressPrinter(process.stderr);
        try {
          const result = await pullFeaturizer(name, { store, ...(options.from !== undefined ? { baseUrl: options.from } : {}), onProgress: progress.onProgress });
          progress.done();
          results.push(result);
          if (!options.json) {
            const how = result.status === 'present' ? 'already present and verified' : `downloaded ${formatBytes(result.size)}${result.resumed_from > 0 ? ` (resumed at ${formatBytes(result.resumed_from)})` : ''}`;
            process.stdout.write(`${name}: ${how}: ${result.file} (sha256 ${result.sha256})\n`);
          }
        } catch (error) {
          progress.done();
          if (!(error instanceof UserError)) throw error;
          failures.push({ name, error: error.message });
        }
      }
      if (options.json) printJson({ pulled: results, failed: failures });
      if (failures.length === 0) return;
      // One failure is reported as itself; several as a count, each named above in JSON or here.
      if (options.json) {
        process.exitCode = EXIT_USER_ERROR;
        return;
      }
      if (failures.length === 1) throw new UserError(failures[0]?.error ?? '');
      for (const failure of failures.slice(0, -1)) process.stderr.write(`fpga: ${failure.error}\n`);
      throw new UserError(failures[failures.length - 1]?.error ?? '');
    });

  featurizers
    .command('import')
    .description('copy local weights (a TensorFlow.js model.json folder or the official .h5) into the model store, checking that they load')
    .argument('<name>', 'catalog name')
    .argument('<file>', 'folder with model.json, a model.json, or a Keras .h5 file')
    .option(...STORE_OPTION)
    .option('--json', 'print JSON')
    .action(async (name: string, file: string, options: StoreOptions) => {
      const result = await importWeights(resolveModelStore(options.modelStore), name, file);
      if (options.json) {
        printJson(result);
        return;
      }
      const official = result.official_md5 === null ? '' : result.official_md5 ? ', the official Keras file' : ', not byte-identical to the official Keras file';
      process.stdout.write(`imported ${result.name} into ${result.folder} (${result.files.length} file${result.files.length === 1 ? '' : 's'}, ${result.parameters}${official})\n`);
      if (result.note) process.stderr.write(`note: ${result.note}\n`);
    });

  featurizers
    .command('verify')
    .description('check the hashes of the store weights and that they fit their architecture; exit 1 if any fails')
    .argument('[name...]', 'catalog names (default: every featurizer with weight files)')
    .option(...STORE_OPTION)
    .option('--json', 'print JSON')
    .action(async (names: string[], options: StoreOptions) => {
      const store = resolveModelStore(options.modelStore);
      for (const name of names) catalogEntry(name);
      const chosen = names.length > 0 ? names : FEATURIZERS.map((f) => f.name).filter((name) => storeWeightSource(store, name) !== undefined);
      const results: VerifyResult[] = [];
      for (const name of chosen) {
        try {
          results.push(await verifyFeaturizer(store, name));
        } catch (error) {
          // An unreadable weights.sha256 fails this featurizer, not the whole run.
          if (!(error instanceof UserError)) throw error;
          results.push({ name, source: null, hash: 'mismatch', hash_detail: messageOf(error), load: 'skipped', load_detail: '', ok: false });
        }
      }
      const failed = results.filter((r) => !r.ok);
      if (options.json) {
        printJson(results);
        if (failed.length > 0) process.exitCode = EXIT_USER_ERROR;
        return;
      }
      if (results.length === 0) {
        process.stdout.write(`no featurizer weights in ${store}: "fpga featurizers pull <name>" downloads them\n`);
        return;
      }
      const rows = results.map((r) => [r.name, r.ok ? 'ok' : 'FAILED', `${r.hash}: ${r.hash_detail}`, `${r.load}${r.load_detail ? `: ${r.load_detail}` : ''}`]);
      process.stdout.write(table([['featurizer', 'result', 'hash', 'load'], ...rows]) + '\n');
      if (failed.length > 0) {
        throw new UserError(`verify failed for ${failed.map((r) => `${r.name} (${r.hash === 'mismatch' ? r.hash_detail : r.load_detail})`).join('; ')}`);
      }
    });
}
