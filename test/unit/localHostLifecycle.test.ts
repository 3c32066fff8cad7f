/**
 * The Local workspace as a per-user service: a host started in the background outlives the
 * process that started it (a CLI call, or a VS Code window whose extension host is killed
 * with its whole process group on reload), keeps its port across restarts so a copied
 * scoring URI stays valid, records the model store it reads, and says which store that is
 * when a caller chose another. Real processes throughout: dist/cli.js, detached hosts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { defaultStateDir, readHostFile, readLastPort } from '../../src/service/hostFile';
import type { HostFile } from '../../src/service/hostFile';
import { findHost, findOrStartHost, stopHost } from '../../src/workspaces/local/hostLauncher';
import { REPO_ROOT, tempDir } from './helpers/fixtures';
import { MODEL_STORE } from './helpers/serviceHelpers';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fpga(args: string[], env: Record<string, string | undefined> = {}): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function ok(run: Run): string {
  assert.equal(run.code, 0, run.stdout + run.stderr);
  return run.stdout;
}

/** Process group and parent of a process, from /proc (Linux). */
function processIds(pid: number): { pgrp: number; ppid: number } {
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

async function hostOf(stateDir: string): Promise<HostFile> {
  const host = await findHost(stateDir);
  assert.ok(host, `a host answers for ${stateDir}`);
  return host;
}

before(() => assert.ok(existsSync(CLI), 'dist/cli.js is missing: run "npm run build" first'));

describe('a host started in the background', () => {
  const state = tempDir('fpga-lifecycle-');
  after(async () => {
    const host = await findHost(state);
    if (host) await stopHost(host);
  });

  test('outlives the fpga deploy that started it, in a process group of its own, and records its model store', async () => {
    ok(fpga(['deploy', 'examples/mobilenet.pipeline.json', '--name', 'cats', '--state', state, '--model-store', MODEL_STORE]));
    const host = await hostOf(state);
    const ids = processIds(host.pid);
    assert.equal(ids.pgrp, host.pid, 'the host leads its own process group, so killing its starter group spares it');
    assert.equal(host.modelStore, MODEL_STORE);
    assert.equal(await readLastPort(state), Number(new URL(host.url).port));
    assert.match(ok(fpga(['services', '--state', state])), /cats\s+Healthy\s+mobilenet-imagenet:1/);
  });

  test('keeps its port across a restart, so the scoring URI a client copied still works', async () => {
    const before = await hostOf(state);
    const uri = (JSON.parse(ok(fpga(['services', '--json', '--state', state]))) as { scoring_uri: string }[])[0]?.scoring_uri;
    ok(fpga(['stop', '--state', state]));
    assert.equal(await findHost(state), undefined);
    const restarted = await findOrStartHost(state, { cliPath: CLI, modelStore: MODEL_STORE });
    assert.notEqual(restarted.pid, before.pid);
    assert.equal(restarted.url, before.url);
    const services = JSON.parse(ok(fpga(['services', '--json', '--state', state]))) as { scoring_uri: string }[];
    assert.equal(services[0]?.scoring_uri, uri);
  });

  test('picks another port when its last one was taken meanwhile, and keeps that one next', async (t) => {
    const host = await hostOf(state);
    const lastPort = Number(new URL(host.url).port);
    await stopHost(host);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(lastPort, '127.0.0.1', resolve));
    t.after(() => squatter.close());
    const moved = await findOrStartHost(state, { cliPath: CLI, modelStore: MODEL_STORE });
    assert.notEqual(Number(new URL(moved.url).port), lastPort);
    assert.equal(await readLastPort(state), Number(new URL(moved.url).port));
  });

  test('a fixed port is used as given', async () => {
    const host = await hostOf(state);
    await stopHost(host);
    const free = createServer();
    const port = await new Promise<number>((resolve) => free.listen(0, '127.0.0.1', () => resolve((free.address() as { port: number }).port)));
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const fixed = await findOrStartHost(state, { cliPath: CLI, modelStore: MODEL_STORE, port });
    assert.equal(fixed.url, `http://127.0.0.1:${port}`);
  });
});

describe('a host started by a process that is then killed with its whole process group', () => {
  test('keeps serving (a VS Code window reloading or closing kills its extension host so)', async () => {
    const state = tempDir('fpga-lifecycle-');
    // Stands in for the extension host: starts the host through the shared launcher, then waits to be killed.
    const launcher = join(REPO_ROOT, 'out', 'src', 'workspaces', 'local', 'hostLauncher.js');
    const script = `require(${JSON.stringify(launcher)}).launchHost(${JSON.stringify(state)}, { cliPath: ${JSON.stringify(CLI)} })
      .then(({ host, started }) => { process.stdout.write(JSON.stringify({ pid: host.pid, started }) + '\\n'); setInterval(() => {}, 1000); });`;
    const starter = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      starter.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) resolve(text.trim());
      });
      starter.once('exit', (code) => reject(new Error(`the starter exited (${code}) before the host answered`)));
    });
    const launched = JSON.parse(line) as { pid: number; started: boolean };
    assert.equal(launched.started, true);
    assert.equal(processIds(launched.pid).ppid, starter.pid, 'the host is the starter\'s child');
    const exited = new Promise((resolve) => starter.once('exit', resolve));
    process.kill(-(starter.pid ?? 0), 'SIGKILL');
    await exited;
    await sleep(200);
    const host = await hostOf(state);
    assert.equal(host.pid, launched.pid);
    assert.match(ok(fpga(['models', '--state', state])), /no models/);
    await stopHost(host);
  });
});

describe('a model store other than the one the running host reads', () => {
  const state = tempDir('fpga-lifecycle-');
  const emptyStore = tempDir('fpga-empty-store-');
  after(async () => {
    const host = await findHost(state);
    if (host) await stopHost(host);
  });

  test('deploy says which store the host reads and how to change it; the failure never advises setting the variable', async () => {
    await findOrStartHost(state, { cliPath: CLI, modelStore: emptyStore });
    const run = fpga(['deploy', 'examples/mobilenet.pipeline.json', '--name', 'cats', '--state', state], { FPGA_MODEL_STORE: MODEL_STORE });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const [note, error, ...rest] = run.stderr.trimEnd().split('\n');
    assert.deepEqual(rest, []);
    assert.equal(
      note,
      `note: the running local service host (pid ${(await hostOf(state)).pid}) reads the model store ${emptyStore}, not ${MODEL_STORE}, and keeps it until it restarts: run "fpga stop --state ${state}", then deploy again to use ${MODEL_STORE}`,
    );
    assert.match(error ?? '', /^fpga: service cats failed to deploy: /);
    assert.ok(error?.includes(`this host reads the model store ${emptyStore}, chosen when it started: to use another, stop the host ("fpga stop")`), error);
    assert.ok(!error?.includes('the model store is chosen with'), 'no advice that cannot help a running host');
  });

  test('after the stop it tells of, the deploy uses the chosen store', () => {
    ok(fpga(['delete', 'cats', '--state', state]));
    ok(fpga(['stop', '--state', state]));
    const run = fpga(['deploy', 'examples/mobilenet.pipeline.json', '--name', 'cats', '--state', state], { FPGA_MODEL_STORE: MODEL_STORE });
    assert.match(ok(run), /service cats: Healthy/);
    assert.equal(run.stderr, '');
  });

  test('a caller that chose no store is not told about the host\'s', async () => {
    const run = fpga(['deploy', 'examples/mobilenet.pipeline.json', '--name', 'dogs', '--state', state], { FPGA_MODEL_STORE: undefined });
    assert.match(ok(run), /service dogs: Healthy/);
    assert.equal(run.stderr, '');
    assert.equal((await readHostFile(state))?.modelStore, MODEL_STORE);
  });
});

describe('the state folder', () => {
  test('is one per user: $FPGA_STATE_DIR, else the extension\'s setting, else ~/.fpga/local-host', () => {
    const saved = process.env.FPGA_STATE_DIR;
    try {
      delete process.env.FPGA_STATE_DIR;
      assert.equal(defaultStateDir(), join(process.env.HOME ?? '', '.fpga', 'local-host'));
      assert.equal(defaultStateDir(''), defaultStateDir(), 'an empty setting is the default');
      assert.equal(defaultStateDir('~/elsewhere'), join(process.env.HOME ?? '', 'elsewhere'));
      process.env.FPGA_STATE_DIR = '/tmp/fpga-shared-state';
      assert.equal(defaultStateDir(), '/tmp/fpga-shared-state');
      assert.equal(defaultStateDir('~/elsewhere'), '/tmp/fpga-shared-state', 'the variable wins, as $FPGA_MODEL_STORE does over fpga.modelStore');
    } finally {
      if (saved === undefined) delete process.env.FPGA_STATE_DIR;
      else process.env.FPGA_STATE_DIR = saved;
    }
  });

  test('commands without --state use it, so a host deployed to from one is seen by the others', () => {
    const state = tempDir('fpga-lifecycle-');
    const env = { FPGA_STATE_DIR: state };
    ok(fpga(['deploy', 'examples/mobilenet.pipeline.json', '--name', 'shared', '--model-store', MODEL_STORE], env));
    assert.match(ok(fpga(['services'], env)), /shared\s+Healthy\s+mobilenet-imagenet:1/);
    assert.match(ok(fpga(['services', '--state', state])), /shared/);
    ok(fpga(['stop'], env));
  });
});
