// Starts code-server (the real VS Code workbench with a Node extension host) and Debian's
// chromium for one test run, and tears both down again. Shared by the integration tier
// (test/vscode/integration.mjs) and the end-to-end UI tier (test/e2e/e2e.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CACHE, CHROMIUM, CODE_SERVER_ENTRY, NODE24, NODE24_DIR, SHARED, TOOLS_DIR, log } from './paths.mjs';

export const EXTENSION_ID = 'fpga-model-services.fpga-model-services';

export function assertInstalled() {
  for (const file of [NODE24, CODE_SERVER_ENTRY, CHROMIUM, join(TOOLS_DIR, 'node_modules', 'playwright-core')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`node test/vscode/install.mjs\` first`);
  }
}

/** Port 0 lets the kernel pick one that is free now. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * One code-server in its own process group (server, extension host, file watcher and
 * whatever they spawn), with a fresh user-data dir, so nothing leaks between runs.
 */
export async function startCodeServer({ name, prepareWorkspace, env = () => ({}), settings = {}, smokeTestDriver = false, installVsix }) {
  const scratch = mkdtempSync(join(tmpdir(), `fpga-${name}-`));
  // The opened folder is a copy made for this run: tests write into it.
  const workspace = join(scratch, 'workspace');
  mkdirSync(workspace);
  await prepareWorkspace?.(workspace);
  const userData = join(scratch, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const modelStore = join(SHARED, 'models');
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'files.autoSave': 'off',
        'git.enabled': false,
        'fpga.modelStore': modelStore,
        ...settings,
      },
      null,
      2,
    ),
  );
  // Machine-scoped settings (the extension's endpoints, http.*) come from the server's machine
  // settings in a remote window such as code-server's; user settings of that scope are ignored.
  mkdirSync(join(userData, 'Machine'), { recursive: true });
  writeFileSync(join(userData, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  const serverEnv = {
    ...process.env,
    PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`,
    // code-server keeps its config.yaml and logs under XDG folders: keep them in the scratch dir.
    XDG_CONFIG_HOME: join(scratch, 'xdg-config'),
    XDG_DATA_HOME: join(scratch, 'xdg-data'),
    // The extension host inherits this; the setting above says the same.
    FPGA_MODEL_STORE: modelStore,
    // The Local workspace's state folder, shared by the extension and the CLI (default
    // ~/.fpga/local-host): a scratch one per run, where stopLocalHosts finds its host.
    FPGA_STATE_DIR: join(scratch, 'local-host'),
    // Features a training computes are cached per run, not in ~/.fpga/features.
    FPGA_FEATURE_CACHE: join(scratch, 'features'),
    ...env(scratch),
  };
  const extensionsDir = join(scratch, 'extensions');
  if (installVsix) {
    const args = [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', userData, '--install-extension', installVsix];
    const install = spawnSync(NODE24, args, { env: serverEnv, encoding: 'utf8', timeout: 120_000 });
    if (install.status !== 0) {
      rmSync(scratch, { recursive: true, force: true });
      throw new Error(`installing ${installVsix} failed:\n${install.stdout}${install.stderr}`);
    }
    log(`installed ${installVsix} into code-server`);
  }
  const port = await freePort();
  const logPath = join(scratch, 'code-server.log');
  const out = openSync(logPath, 'w');
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    // Without it a built VS Code ignores the URL's `payload` (extensionTestsPath and friends).
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userData,
    workspace,
  ];
  const child = spawn(NODE24, args, {
    env: serverEnv,
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  let exitCode;
  child.once('exit', (code, signal) => (exitCode = code ?? signal));
  const url = `http://127.0.0.1:${port}`;
  const server = { url, port, scratch, userData, logPath, pid: child.pid, workspace };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (exitCode !== undefined) throw new Error(`code-server exited (${exitCode}) before listening:\n${tail(logPath, 50)}`);
    if (Date.now() > deadline) {
      await stopCodeServer(server);
      throw new Error(`code-server did not answer on ${url} within 60 s:\n${tail(logPath, 50)}`);
    }
    await sleep(200);
  }
  log(`code-server ${url} up (pid ${child.pid})`);
  return server;
}

/** Kills the whole process group, politely first. */
export async function stopCodeServer(server) {
  if (!server?.pid) return;
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    try {
      process.kill(-server.pid, 0);
    } catch {
      return;
    }
  }
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function removeScratch(server) {
  if (server?.scratch && !process.env.FPGA_VSCODE_KEEP) rmSync(server.scratch, { recursive: true, force: true });
}

export function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function findFiles(dir, test, found = []) {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) findFiles(path, test, found);
    else if (test(entry.name)) found.push(path);
  }
  return found;
}

/** What to read when a run fails: code-server's output, the extension hosts' and the extension's logs. */
export function printLogs(server, lines = 50) {
  if (!server) return;
  const files = [
    server.logPath,
    ...findFiles(join(server.userData, 'logs'), (n) => ['remoteexthost.log', 'FPGA Model Services.log', 'FPGA Local Host.log'].includes(n)),
  ];
  for (const file of files) {
    console.log(`\n----- last ${lines} lines of ${file} -----\n${tail(file, lines)}`);
  }
}

/** Debian's chromium (never a browser download), headless, with a throwaway profile. */
export async function launchBrowser(server) {
  const require = createRequire(join(TOOLS_DIR, 'package.json'));
  const { chromium } = require('playwright-core');
  const profile = join(server.scratch, 'chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** `vscode-remote://` URI of a path on the server: how the payload names extension folders. */
export function remoteUri(server, path) {
  return `vscode-remote://127.0.0.1:${server.port}${path}`;
}

/** The workbench URL that opens `folder`, optionally as an extension development host. */
export function workbenchUrl(server, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remoteUri(server, extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(server, extensionTestsPath)]);
  const query = `folder=${encodeURIComponent(server.workspace)}`;
  return `${server.url}/?${query}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
}

/**
 * The extension starts its local service host detached (it outlives a window), so killing
 * code-server's group leaves it running: stop every host whose state lives in this run's
 * scratch dir (the extension's global storage is inside the user-data dir).
 */
export async function stopLocalHosts(server) {
  if (!server) return;
  for (const file of findFiles(server.scratch, (n) => n === 'host.json')) {
    let pid;
    try {
      pid = JSON.parse(readFileSync(file, 'utf8')).pid;
    } catch {
      continue;
    }
    if (!Number.isInteger(pid)) continue;
    const signal = (name) => {
      try {
        process.kill(-pid, name);
        return true;
      } catch {
        try {
          process.kill(pid, name);
          return true;
        } catch {
          return false;
        }
      }
    };
    if (!signal('SIGTERM')) continue;
    log(`stopping the local service host (pid ${pid})`);
    for (let i = 0; i < 30 && signal(0); i++) await sleep(100);
    signal('SIGKILL');
  }
}

export { CACHE };
