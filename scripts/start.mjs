// `npm start [images...]`: the whole local workflow once, end to end, with the real CLI —
// package the MobileNet example, start a host in a scratch state folder, deploy, classify
// the images (default: every image in ../shared/images), print the top 5, clean up.
// The model store is $FPGA_MODEL_STORE when set, else ../shared/models when it exists (the
// real MobileNet weights beside a checkout), so a fresh clone needs no variable.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const sharedImages = resolve(root, '..', 'shared', 'images');
const sharedStore = resolve(root, '..', 'shared', 'models');
const store = process.env.FPGA_MODEL_STORE || (existsSync(sharedStore) ? sharedStore : undefined);
const IMAGE = /\.(png|jpe?g|bmp|gif|webp)$/i;

const images = process.argv.slice(2);
if (images.length === 0 && existsSync(sharedImages)) {
  images.push(...readdirSync(sharedImages).filter((f) => IMAGE.test(f)).sort().map((f) => join(sharedImages, f)));
}
if (images.length === 0) {
  console.error('npm start: no images to classify: pass some, e.g. "npm start -- photo.jpg"');
  process.exit(1);
}

const state = mkdtempSync(join(tmpdir(), 'fpga-start-'));
const zip = join(state, 'model_def.zip');
const service = 'mobilenet-demo';

function fpga(...args) {
  console.log(`\n$ fpga ${args.join(' ')}`);
  const run = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`fpga ${args[0]} exited with ${run.status}`);
}

let failed = false;
try {
  fpga('package', join(root, 'examples', 'mobilenet.pipeline.json'), '-o', zip);
  fpga('deploy', zip, '--name', service, '--state', state, ...(store ? ['--model-store', store] : []));
  fpga('classify', ...images, '--service', service, '--state', state);
  fpga('delete', service, '--state', state);
} catch (error) {
  failed = true;
  console.error(`npm start: ${error.message}`);
} finally {
  // The host saves its state on the way out: stop it before its folder goes. Should `fpga stop`
  // itself fail, signal the host directly rather than leave it running without a folder.
  const hostFile = join(state, 'host.json');
  const pid = existsSync(hostFile) ? JSON.parse(readFileSync(hostFile, 'utf8')).pid : undefined;
  const stop = spawnSync(process.execPath, [cli, 'stop', '--state', state], { stdio: 'ignore' });
  if (stop.status !== 0 && pid) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  rmSync(state, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
