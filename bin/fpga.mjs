#!/usr/bin/env node
// The `fpga` command as npm links it: present from the first `npm ci`, before any build, and
// executable whatever a rebuild does to dist/ (esbuild writes dist/cli.js anew, without the
// execute bit). It runs the bundled command line; in a checkout that has not been built yet
// it builds it first (a few seconds, once), so `npx fpga …` works right after `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const build = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));

if (!existsSync(cli) && existsSync(build)) {
  process.stderr.write('fpga: building the command line first (npm run build)…\n');
  spawnSync(process.execPath, [build], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
if (existsSync(cli)) {
  await import(pathToFileURL(cli).href);
} else {
  process.stderr.write(`fpga: the command line is not built and could not be built here: run "npm ci && npm run build" in ${root}\n`);
  process.exitCode = 1;
}
