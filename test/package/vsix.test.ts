/**
 * `npm run package` builds an installable .vsix: the manifest VS Code reads, the bundled
 * code and schema, and nothing of the sources, tests or development files.
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
    'extension/dist/pipeline.schema.json',
    'extension/dist/webview/main.js',
    'extension/media/fpga.svg',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
  ]) {
    assert.ok(names.includes(required), `${required} missing from the vsix: ${names.join(', ')}`);
  }
  const leaked = names.filter((n) => /^extension\/(src|test|out|scripts|webview|node_modules|examples)\//.test(n) || n.endsWith('.map') || n.endsWith('.ts'));
  assert.deepEqual(leaked, [], 'sources, tests and development files stay out');

  const manifest = (await vsix.file('extension.vsixmanifest')?.async('string')) ?? '';
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  const packageJson = JSON.parse((await vsix.file('extension/package.json')?.async('string')) ?? '{}') as { main: string };
  assert.equal(packageJson.main, './dist/extension.js');
});
