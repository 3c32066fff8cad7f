/**
 * `npm run package` builds an installable .vsix: the manifest VS Code reads, the bundled
 * code and schema, the production node_modules the bundle leaves external (sharp and its
 * linux-x64 native packages, for the local service host; onnxruntime-node's linux-x64
 * library; h5wasm, for Keras .h5 weights), and nothing of the sources, tests or development
 * files. What ships is an allow-list, package.json's "files": a file nobody listed (a zip
 * `fpga package -o` wrote in the checkout, a package's own tests) never ships.
 * Runs after the unit tests because it rebuilds dist/ for production.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import JSZip from 'jszip';

const ROOT = resolve(__dirname, '../../..');

/** Files a user's work leaves in a checkout, placed for the length of one packaging run. */
const STRAYS = ['fpga-stray-test.zip', 'media/fpga-stray-test.png', 'fpga-stray-test/notes.txt'];

test('npm run package builds a .vsix holding only what the extension needs', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'fpga-vsix-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const out = join(scratch, 'fpga.vsix');
  assert.ok(!existsSync(join(ROOT, '.vscodeignore')), 'the allow-list in package.json is the only packaging rule (vsce refuses both)');
  const placed = STRAYS.filter((stray) => !existsSync(join(ROOT, stray)));
  t.after(() => {
    for (const stray of placed) rmSync(join(ROOT, stray), { force: true });
    rmSync(join(ROOT, 'fpga-stray-test'), { recursive: true, force: true });
  });
  for (const stray of placed) {
    mkdirSync(join(ROOT, stray, '..'), { recursive: true });
    writeFileSync(join(ROOT, stray), 'not part of the extension\n');
  }
  // npm appends these to the script; vsce takes the last --out.
  const run = spawnSync('npm', ['run', 'package', '--', '--out', out], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);

  const vsix = await JSZip.loadAsync(readFileSync(out));
  const names = Object.keys(vsix.files).filter((n) => !vsix.files[n]?.dir);
  for (const required of [
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/cli.js',
    'extension/dist/pipelineWorker.js',
    'extension/dist/pipeline.schema.json',
    'extension/dist/webview/main.js',
    'extension/dist/webview/trainingReport.js',
    'extension/media/fpga.svg',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    // The local service host (dist/cli.js serve) decodes images with sharp, a native module.
    'extension/node_modules/sharp/package.json',
    'extension/node_modules/sharp/lib/index.js',
    // Model stages run on ONNX Runtime's CPU library, a native module with its shared library beside it.
    'extension/node_modules/onnxruntime-node/package.json',
    'extension/node_modules/onnxruntime-node/dist/index.js',
    'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
    'extension/node_modules/onnxruntime-common/package.json',
    // Keras .h5 weight files are read with h5wasm, an ES module the bundle imports at run time.
    'extension/node_modules/h5wasm/package.json',
    'extension/node_modules/h5wasm/dist/node/hdf5_hl.js',
    'extension/node_modules/h5wasm/dist/node/hdf5_util.js',
  ]) {
    assert.ok(names.includes(required), `${required} missing from the vsix: ${names.join(', ')}`);
  }
  assert.ok(
    names.some((n) => /^extension\/node_modules\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64\.node$/.test(n)),
    'the linux-x64 sharp binary is missing',
  );
  assert.ok(names.some((n) => /^extension\/node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/.test(n)), 'libvips is missing');
  const otherPlatforms = names.filter((n) => /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v6\/(darwin|win32|linux\/arm64)\//.test(n));
  assert.deepEqual(otherPlatforms, [], 'a linux-x64 package ships only the linux-x64 ONNX Runtime library');
  const leaked = names.filter((n) => /^extension\/(src|test|out|scripts|webview|examples)\//.test(n) || n.endsWith('.map') || n.endsWith('.ts'));
  assert.deepEqual(leaked, [], 'sources, tests and development files stay out');
  // What esbuild bundles into dist/ must not ship a second time, nor the optional tfjs-node.
  const bundled = names.filter((n) => /^extension\/node_modules\/(@tensorflow|ajv|commander|jsonc-parser|jszip|@vscode|typescript|esbuild)\//.test(n));
  assert.deepEqual(bundled, [], 'bundled and development packages stay out of node_modules');
  const strays = names.filter((n) => n.includes('fpga-stray-test'));
  assert.deepEqual(strays, [], 'a file nobody listed never ships');
  // onnxruntime-node's install-time downloader (global-agent and its dependencies, adm-zip) and
  // packages' own tests, sources and build files are not what the extension runs.
  const notRuntime = names.filter((n) =>
    /^extension\/node_modules\/(global-agent|globalthis|serialize-error|matcher|es-errors|object-keys|[^/]+\/node_modules\/adm-zip)\//.test(n) ||
    /^extension\/node_modules\/(@img\/)?[^/]+\/(test|src|install|\.github)\//.test(n) ||
    /\.(d\.ts|h|cc|py|yml)$|\/(Makefile|CMakeLists\.txt)$/.test(n),
  );
  assert.deepEqual(notRuntime, [], 'install-time helpers, tests and sources of dependencies stay out');

  const manifest = (await vsix.file('extension.vsixmanifest')?.async('string')) ?? '';
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  const packageJson = JSON.parse((await vsix.file('extension/package.json')?.async('string')) ?? '{}') as { main: string };
  assert.equal(packageJson.main, './dist/extension.js');

  // TensorFlow.js belongs to the service host's (and fpga train's) process; the extension itself
  // activates light. What it does bundle is the Azure SDK (identity, msal, storage-blob: ~0.8 MB).
  const extensionJs = (await vsix.file('extension/dist/extension.js')?.async('string')) ?? '';
  assert.ok(extensionJs.length > 0 && extensionJs.length < 1_600_000, `dist/extension.js is ${extensionJs.length} bytes`);
  assert.ok(!extensionJs.includes('registerKernel'), 'TensorFlow.js is not bundled into the extension');
});
