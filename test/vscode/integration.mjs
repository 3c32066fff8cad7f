// The integration tier: runs out/test/integration/index.js (compiled from
// test/integration/) inside code-server's real extension host, with the checkout loaded as
// the extension under development, and exits with the tests' result.
// Usage: node test/vscode/integration.mjs   (after `npm run build` and `tsc -p .`)
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
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

const started = Date.now();
let server;
let browser;
let exitCode = 1;
const results = () => join(server.scratch, 'results.txt');
try {
  server = await startCodeServer({
    name: 'integration',
    smokeTestDriver: true,
    prepareWorkspace: (workspace) => {
      copyFileSync(join(ROOT, 'examples', 'mobilenet.pipeline.json'), join(workspace, 'mobilenet.pipeline.json'));
      for (const image of ['cat.bmp', 'bird.bmp', 'hot_dog.jpg']) copyFileSync(join(SHARED, 'images', image), join(workspace, image));
    },
    env: (scratch) => ({
      FPGA_EXTENSION_ROOT: ROOT,
      FPGA_INTEGRATION_RESULTS: join(scratch, 'results.txt'),
      // The state folder the extension and the CLI share (codeServer.mjs sets FPGA_STATE_DIR to it).
      FPGA_LOCAL_HOST_STATE: join(scratch, 'local-host'),
    }),
  });
} catch (error) {
  console.error(error);
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
  const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS))]);
  if (existsSync(results())) process.stdout.write(readFileSync(results(), 'utf8'));
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
  removeScratch(server);
}
log(`integration tier ${exitCode === 0 ? 'passed' : 'FAILED'} in ${elapsed(started)}`);
process.exit(exitCode);
