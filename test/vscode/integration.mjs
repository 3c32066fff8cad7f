// The integration tier: runs out/test/integration/index.js (compiled from
// test/integration/) inside code-server's real extension host, with the checkout loaded as
// the extension under development, and exits with the tests' result.
// Usage: node test/vscode/integration.mjs   (after `npm run build` and `tsc -p .`)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setInterval, clearInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ROOT, SHARED, elapsed, log } from './paths.mjs';
import {
  assertInstalled, launchBrowser, printLogs, removeScratch, startCodeServer, stopCodeServer, stopLocalHosts, workbenchUrl,
} from './codeServer.mjs';

const TIMEOUT_MS = Number(process.env.FPGA_INTEGRATION_TIMEOUT_MS ?? 240_000);
const testsModule = join(ROOT, 'out', 'test', 'integration', 'index.js');

assertInstalled();
for (const file of [join(ROOT, 'dist', 'extension.js'), join(ROOT, 'dist', 'cli.js'), testsModule]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build && npx tsc -p .\` first`);
}

/**
 * The fake Azure (HTTPS ARM and Entra authority, Azurite as the datastore): the extension
 * signs in to it with the azure-identity credential, as a service principal would.
 */
async function startFakeAzure() {
  const script = join(ROOT, 'out', 'test', 'unit', 'helpers', 'fakeAzure', 'fakeAzureServer.js');
  const child = spawn(process.execPath, [script, '--model-store', join(SHARED, 'models')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await Promise.race([
    createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then(({ value }) => [value]),
    new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the fake Azure exited (${code}) before it started`)))),
  ]);
  const fake = JSON.parse(line);
  log(`fake Azure: ARM ${fake.armEndpoint}, workspace ${fake.workspaceId}`);
  return { ...fake, stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))) };
}

const started = Date.now();
let server;
let browser;
let azure;
let exitCode = 1;
const results = () => join(server.scratch, 'results.txt');
try {
  azure = await startFakeAzure();
  server = await startCodeServer({
    name: 'integration',
    smokeTestDriver: true,
    prepareWorkspace: async (workspace) => {
      copyFileSync(join(ROOT, 'examples', 'mobilenet.pipeline.json'), join(workspace, 'mobilenet.pipeline.json'));
      for (const image of ['cat.bmp', 'bird.bmp', 'hot_dog.jpg']) copyFileSync(join(SHARED, 'images', image), join(workspace, image));
      // A dataset of birds and cats (crops and mirrors of the shared photos, one folder per photo) to train on.
      const { writePhotoDataset } = await import(pathToFileURL(join(ROOT, 'out', 'test', 'unit', 'helpers', 'trainingDataset.js')).href);
      await writePhotoDataset(join(workspace, 'pets'));
    },
    env: (scratch) => ({
      FPGA_EXTENSION_ROOT: ROOT,
      FPGA_INTEGRATION_RESULTS: join(scratch, 'results.txt'),
      FPGA_AZURE_WORKSPACE: azure.workspaceId,
      // The extension host reads these at start: the fake's certificate and service principal.
      NODE_EXTRA_CA_CERTS: azure.caCertPath,
      AZURE_TENANT_ID: azure.tenantId,
      AZURE_CLIENT_ID: azure.clientId,
      AZURE_CLIENT_SECRET: azure.clientSecret,
      // The state folder the extension and the CLI share (codeServer.mjs sets FPGA_STATE_DIR to it).
      FPGA_LOCAL_HOST_STATE: join(scratch, 'local-host'),
    }),
    settings: {
      // VS Code's proxy support replaces Node's https agent, which then ignores NODE_EXTRA_CA_CERTS (the fake's certificate).
      'http.proxySupport': 'off',
      'fpga.azure.authentication': 'azureIdentity',
      'fpga.azure.armEndpoint': azure.armEndpoint,
      'fpga.azure.authorityHost': azure.authorityHost,
      'fpga.azure.image': 'fpgatest.azurecr.io/fpga-serve:1',
    },
  });
} catch (error) {
  console.error(error);
  await azure?.stop();
  process.exit(1);
}
try {
  log('integration tests: starting');

  browser = await launchBrowser(server);
  const { page } = browser;
  // The smoke-test driver calls window.codeAutomationExit(code) when run() settles.
  let resolveExit;
  const exited = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  page.on('pageerror', (error) => log(`[page error] ${String(error).slice(0, 300)}`));
  await page.goto(workbenchUrl(server, { extensionDevelopmentPath: ROOT, extensionTestsPath: testsModule }));
  // FPGA_INTEGRATION_SCREENSHOT=file.png: the workbench when the last test says so (it writes file.png.ready), to look at.
  const screenshot = process.env.FPGA_INTEGRATION_SCREENSHOT;
  const watcher = screenshot
    ? setInterval(() => {
        if (!existsSync(`${screenshot}.ready`)) return;
        rmSync(`${screenshot}.ready`);
        void page.screenshot({ path: screenshot });
      }, 250)
    : undefined;
  const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS))]);
  clearInterval(watcher);
  if (existsSync(results())) process.stdout.write(readFileSync(results(), 'utf8'));
  // FPGA_INTEGRATION_SCREENSHOT=file.png: the workbench as the last test left it, to look at.
  if (code === 'timeout') log(`integration tests did not finish within ${TIMEOUT_MS / 1000} s`);
  exitCode = code === 0 ? 0 : 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  if (exitCode !== 0) printLogs(server);
  await browser?.context.close().catch(() => {});
  await stopCodeServer(server);
  await stopLocalHosts(server);
  await azure.stop();
  removeScratch(server);
}
log(`integration tier ${exitCode === 0 ? 'passed' : 'FAILED'} in ${elapsed(started)}`);
process.exit(exitCode);
