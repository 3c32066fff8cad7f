/**
 * `npm run package` builds an installable .vsix: the manifest VS Code reads, the bundled
 * code and schema, the production node_modules the bundle leaves external (sharp and its
 * linux-x64 native packages, for the local service host; h5wasm, for Keras .h5 weights), and nothing of the sources, tests
 * or development files.
 * Runs after the unit tests because it rebuilds dist/ for production.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import JSZip from 'jszip';

const ROOT = resolve(__dirname, '../../..');

test('npm run package builds a .vsix holding only what the extension needs', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'fpga-vsix-')), 'fpga.vsix');
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

  const manifest = (await vsix.file('extension.vsixmanifest')?.async('string')) ?? '';
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  const packageJson = JSON.parse((await vsix.file('extension/package.json')?.async('string')) ?? '{}') as { main: string };
  assert.equal(packageJson.main, './dist/extension.js');

  // TensorFlow.js belongs to the service host's process; the extension itself activates light.
  const extensionJs = (await vsix.file('extension/dist/extension.js')?.async('nodebuffer'))?.length ?? 0;
  assert.ok(extensionJs > 0 && extensionJs < 1_000_000, `dist/extension.js is ${extensionJs} bytes`);
});
