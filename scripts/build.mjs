// Bundles the extension, the `fpga` CLI and the classify webview with esbuild.
// `--watch` rebuilds on change; `--production` minifies and drops source maps.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';

const { version } = JSON.parse(await readFile('package.json', 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Native modules (sharp, onnxruntime-node, the optional tfjs-node) stay external and ship in node_modules;
  // so does h5wasm, an ES module that finds itself through import.meta.url, which a CommonJS
  // bundle lacks (src/runtime/featurizers/kerasH5.ts imports it dynamically);
  // `vscode` is provided by the extension host.
  external: ['vscode', 'sharp', 'onnxruntime-node', '@tensorflow/tfjs-node', 'h5wasm'],
  // Prefer ES module builds: jsonc-parser's UMD build hides its requires from the bundler.
  mainFields: ['module', 'main'],
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: ['scripts/importMetaUrl.mjs'],
};

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, define: { ...node.define, FPGA_VERSION: JSON.stringify(version) } },
  // Each deployed pipeline runs in a worker thread of the host (src/runtime/worker/), which loads this file from beside cli.js.
  { ...node, entryPoints: ['src/runtime/worker/pipelineWorker.ts'], outfile: 'dist/pipelineWorker.js' },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview/main.js',
  },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/trainingReport.ts'], outfile: 'dist/webview/trainingReport.js' },
];

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// The JSON editor reads the schema from the shipped extension (package.json `jsonValidation`).
await copyFile('src/pipeline/pipeline.schema.json', 'dist/pipeline.schema.json');
// The TensorFlow.js WebAssembly backend loads its binary at run time from beside the bundle
// (src/runtime/backend.ts looks there first). Threads never work under Node: that binary stays out.
for (const binary of ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm']) {
  await copyFile(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${binary}`, `dist/${binary}`);
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
