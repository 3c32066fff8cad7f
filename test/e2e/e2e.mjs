// The end-to-end UI tier: Debian's chromium, driven by playwright-core, uses the extension in
// code-server like a person would. It sees the FPGA view's welcome, deploys
// examples/mobilenet.pipeline.json from the Explorer's context menu, finds the service in the
// FPGA view, classifies a cat photo from the Explorer and reads the top 5 in the panel's
// webview, classifies three selected images in one batch panel, deploys a second service and
// compares both on the cat photo side by side, copies a sample request from the service's
// menu, and takes the screenshots that README shows (media/screenshots/*.png).
//
// The extension is the .vsix that `npm run package` builds, installed into code-server: this
// is what users get, so a file missing from the package (a native module, the webview
// script) fails here. `--dev` loads the checkout instead, as the integration tier does.
// Usage: node test/e2e/e2e.mjs [--dev] [--update-screenshots]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CACHE, ROOT, SHARED, elapsed, log } from '../vscode/paths.mjs';
import {
  assertInstalled, launchBrowser, printLogs, removeScratch, startCodeServer, stopCodeServer, stopLocalHosts, workbenchUrl,
} from '../vscode/codeServer.mjs';

const SERVICE = 'cat-classifier';
const SECOND_SERVICE = 'cat-classifier-2';
const BATCH_IMAGES = ['bird.bmp', 'cat.bmp', 'hot_dog.jpg'];
const README_PICTURES = ['welcome.png', 'tree.png', 'classify-panel.png', 'batch-panel.png', 'compare-panel.png'];
const CAT_CLASSES = [281, 282, 285]; // tabby, tiger cat, Egyptian cat
// Every run saves its pictures (and failure.png) under .vscode-test/screenshots/;
// `--update-screenshots` also copies them to media/screenshots/, the ones README shows. A
// plain run leaves tracked files alone: each picture differs a little (ports, timings).
const SCREENSHOTS = join(CACHE, 'screenshots');
const README_SCREENSHOTS = join(ROOT, 'media', 'screenshots');
const updateReadmeScreenshots = process.argv.includes('--update-screenshots');
// Deploying loads MobileNet weights; classifying the first image warms the engine up.
const SLOW_MS = 120_000;

const fromCheckout = process.argv.includes('--dev');
// One per run: two checkouts' tiers may run at once on a development machine.
const VSIX = join(CACHE, `fpga-e2e-${process.pid}.vsix`);

assertInstalled();
const started = Date.now();
if (fromCheckout) {
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
} else {
  log('packaging the extension: npm run package');
  // npm appends these to the script; vsce takes the last --out.
  const packaged = spawnSync('npm', ['run', 'package', '--', '--out', VSIX], { cwd: ROOT, encoding: 'utf8' });
  if (packaged.status !== 0 || !existsSync(VSIX)) {
    console.log(packaged.stdout + packaged.stderr);
    throw new Error('npm run package failed');
  }
  log(`packaged ${VSIX}`);
}

let failures = 0;
function check(ok, message) {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${message}`);
  if (!ok) failures++;
}

/** A UI step that may lose a race with the workbench (a menu closing on a re-render): tried twice. */
async function twice(what, page, step) {
  try {
    return await step();
  } catch (error) {
    log(`${what}: ${error.message.split('\n')[0]}; trying once more`);
    await page.keyboard.press('Escape').catch(() => {});
    await sleep(1000);
    return step();
  }
}

async function contextMenu(page, row, item) {
  await row.click({ button: 'right' });
  const entry = page.getByRole('menuitem', { name: item });
  await entry.first().waitFor({ timeout: 10_000 });
  // A menu ignores a click that comes right after it opened (the right button's release).
  await sleep(500);
  await entry.first().click();
}

/** Drags the sash on the side bar's right edge. */
async function setSideBarWidth(page, width) {
  const box = await page.locator('#workbench\\.parts\\.sidebar').boundingBox();
  if (!box) return;
  const edge = box.x + box.width + 1;
  await page.mouse.move(edge, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + width, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await sleep(300);
}

/** Right-click › Deploy on the pipeline, type the service name, Enter. */
async function deployFromExplorer(page, row, name) {
  await twice('deploy from the Explorer', page, async () => {
    await contextMenu(page, row, /^Deploy/);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30_000 });
  });
  await page.keyboard.press('Control+A');
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The classify panel on screen: hidden panels are not retained, so the visible webview is the active one. */
function activePanel(page) {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

let server;
let browser;
try {
  server = await startCodeServer({
    name: 'e2e',
    // The URL's payload (extensionDevelopmentPath) needs the driver; an installed .vsix does not.
    smokeTestDriver: fromCheckout,
    installVsix: fromCheckout ? undefined : VSIX,
    prepareWorkspace: (workspace) => {
      copyFileSync(join(ROOT, 'examples', 'mobilenet.pipeline.json'), join(workspace, 'mobilenet.pipeline.json'));
      for (const image of BATCH_IMAGES) copyFileSync(join(SHARED, 'images', image), join(workspace, image));
    },
  });
  browser = await launchBrowser(server);
  const { page } = browser;
  page.on('pageerror', (error) => log(`[page error] ${String(error).slice(0, 300)}`));
  mkdirSync(SCREENSHOTS, { recursive: true });
  rmSync(join(SCREENSHOTS, 'failure.png'), { force: true });

  await page.goto(workbenchUrl(server, fromCheckout ? { extensionDevelopmentPath: ROOT } : {}));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const explorerRow = (name) => page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
  await explorerRow('cat.bmp').waitFor({ timeout: 60_000 });
  // The Explorer lists files before the extensions are loaded: the extension's status bar
  // item says it is active (a pipeline file in the folder activates it).
  await page.locator('.statusbar-item', { hasText: 'FPGA' }).first().waitFor({ timeout: 60_000 });
  await sleep(1000);
  log('workbench ready, extension active');

  // 0. Nothing deployed: the FPGA view shows its welcome (example, template, walkthrough).
  await page.getByRole('tab', { name: /^FPGA/ }).click();
  const welcome = page.locator('#workbench\\.parts\\.sidebar .welcome-view-content');
  await welcome.waitFor({ timeout: 30_000 });
  const welcomeText = await welcome.innerText();
  check(/Nothing is deployed yet/.test(welcomeText) && /Open the Example/.test(welcomeText), 'the FPGA view shows its welcome with the example and the walkthrough');
  await page.mouse.move(1300, 850);
  await sleep(300);
  await page.screenshot({ path: join(SCREENSHOTS, 'welcome.png'), clip: { x: 0, y: 0, width: 700, height: 420 } });
  await page.getByRole('tab', { name: /^Explorer/ }).click();

  // 1. Deploy from the Explorer: package, register, name the service, wait until Healthy.
  await deployFromExplorer(page, explorerRow('mobilenet.pipeline.json'), SERVICE);

  // 2. The FPGA view lists it under Local (this machine) > Services, Healthy (its icon is a check).
  // The "is Healthy" toast is no proof: VS Code may hide an information toast before it is seen.
  await page.getByRole('tab', { name: /^FPGA/ }).click();
  // Only the side bar's rows: notifications are list rows too ("Registering … in Local (this machine)").
  const treeRow = (name) => page.locator('#workbench\\.parts\\.sidebar .monaco-list-row', { hasText: name });
  const local = treeRow('Local (this machine)');
  await local.waitFor({ timeout: 30_000 });
  if ((await local.getAttribute('aria-expanded')) !== 'true') await local.click();
  await treeRow('Services').first().waitFor({ timeout: 30_000 });
  const serviceRow = treeRow(SERVICE).filter({ has: page.locator('.codicon-pass') });
  await serviceRow.first().waitFor({ timeout: SLOW_MS });
  const serviceName = (await serviceRow.first().locator('.label-name').innerText()).trim();
  const serviceDescription = (await serviceRow.first().locator('.label-description').innerText().catch(() => '')).trim();
  check(serviceName === SERVICE, `Deploy from the Explorer, then the FPGA view shows ${serviceName} Healthy (${serviceDescription}) at ${elapsed(started)}`);
  // A wider side bar shows the nodes' descriptions (model, scoring URI) in the picture.
  await setSideBarWidth(page, 640);
  await page.mouse.move(1300, 850); // no hover tooltip over the tree in the picture
  await sleep(500);
  await page.screenshot({ path: join(SCREENSHOTS, 'tree.png'), clip: { x: 0, y: 0, width: 900, height: 300 } });
  await setSideBarWidth(page, 300);

  // 3. Classify Image from the Explorer's context menu; the panel shows the top 5.
  await page.getByRole('tab', { name: /^Explorer/ }).click();
  await explorerRow('cat.bmp').waitFor({ timeout: 10_000 });
  await twice('Classify Image from the Explorer', page, async () => {
    await contextMenu(page, explorerRow('cat.bmp'), /Classify Image/);
    await page.locator('iframe.webview.ready').first().waitFor({ timeout: 30_000 });
  });
  const panel = activePanel(page);
  const rows = panel.locator('.prediction-list li.prediction');
  await rows.nth(4).waitFor({ timeout: SLOW_MS });
  const predictions = [];
  for (const row of await rows.all()) {
    const label = (await row.locator('.label').innerText()).trim();
    const title = (await row.locator('.label').getAttribute('title')) ?? '';
    const score = (await row.locator('.score').innerText()).trim();
    const index = Number(/class (\d+)/.exec(title)?.[1]);
    predictions.push({ label, score, index });
  }
  for (const p of predictions) log(`  ${p.score.padStart(7)}  ${String(p.index).padStart(4)}  ${p.label}`);
  check(predictions.length === 5, `the panel lists ${predictions.length} classes`);
  check(predictions.every((p) => /^\d+(\.\d+)?\s?%$/.test(p.score)), 'every class has a percentage');
  const cat = predictions.find((p) => CAT_CLASSES.includes(p.index));
  check(cat !== undefined, `a cat class is among them${cat ? `: ${cat.label} ${cat.score}` : ''}`);
  await page.mouse.move(1300, 850);
  await sleep(500);
  await page.screenshot({ path: join(SCREENSHOTS, 'classify-panel.png'), clip: { x: 0, y: 0, width: 1120, height: 720 } });

  // 3b. The image preview's title bar offers Classify Image: it brings back the image's panel.
  await explorerRow('cat.bmp').click();
  const previewTab = page.locator('.tab.active', { hasText: /^cat\.bmp/ });
  await previewTab.waitFor({ timeout: 30_000 });
  await page.locator('.editor-group-container.active .editor-actions [aria-label^="Classify Image"]').first().click({ timeout: 10_000 });
  await page.locator('.tab.active', { hasText: 'Classify cat.bmp' }).waitFor({ timeout: 30_000 });
  await activePanel(page).locator('.prediction-list li.prediction').nth(4).waitFor({ timeout: SLOW_MS });
  check(true, "Classify Image on the image preview's title bar shows the image's panel with its top 5");

  // 4. Three images selected in the Explorer, one Classify Image: one batch panel, a card each.
  // A plain click selects one row; Control-clicks add the others. The image preview a click
  // opens can take the focus meanwhile, so the selection is checked and made again if short.
  for (let attempt = 1; ; attempt++) {
    await explorerRow(BATCH_IMAGES[0]).click();
    await sleep(700);
    for (const name of BATCH_IMAGES.slice(1)) {
      await explorerRow(name).click({ modifiers: ['Control'] });
      await sleep(300);
    }
    const selected = await page.locator('.explorer-folders-view .monaco-list-row.selected').count();
    if (selected === BATCH_IMAGES.length) break;
    if (attempt === 3) throw new Error(`the Explorer selection holds ${selected} rows, not ${BATCH_IMAGES.length}`);
  }
  await twice('Classify Image on three images', page, async () => {
    await contextMenu(page, explorerRow(BATCH_IMAGES[2]), /Classify Image/);
    await page.locator('.tab', { hasText: 'Classify 3 images' }).waitFor({ timeout: 30_000 });
  });
  const cards = activePanel(page).locator('.grid .card.result');
  await cards.nth(2).waitFor({ timeout: SLOW_MS });
  const titles = await activePanel(page).locator('.grid .card .card-title').allInnerTexts();
  const tops = await activePanel(page).locator('.grid .card .top1 .label').allInnerTexts();
  check(titles.join(',') === BATCH_IMAGES.join(',') && tops.length === 3, `one batch panel with a top class per image: ${titles.map((t, i) => `${t} → ${tops[i]}`).join('; ')}`);
  await page.mouse.move(1300, 850);
  await sleep(500);
  await page.screenshot({ path: join(SCREENSHOTS, 'batch-panel.png'), clip: { x: 0, y: 0, width: 1400, height: 640 } });

  // 5. A second service, then Compare Services on Image: both side by side on the cat photo.
  await explorerRow('mobilenet.pipeline.json').click();
  await deployFromExplorer(page, explorerRow('mobilenet.pipeline.json'), SECOND_SERVICE);
  await page.getByRole('tab', { name: /^FPGA/ }).click();
  if ((await local.getAttribute('aria-expanded')) !== 'true') await local.click();
  await treeRow(SECOND_SERVICE).filter({ has: page.locator('.codicon-pass') }).first().waitFor({ timeout: SLOW_MS });
  await page.getByRole('tab', { name: /^Explorer/ }).click();
  await explorerRow('cat.bmp').click();
  await twice('Compare Services on Image', page, async () => {
    await contextMenu(page, explorerRow('cat.bmp'), /Compare Services on Image/);
    await page.locator('.quick-input-widget').waitFor({ timeout: 30_000 });
  });
  // Both services come pre-checked: accept.
  await page.keyboard.press('Enter');
  const columns = activePanel(page).locator('.columns .column.result');
  await columns.nth(1).waitFor({ timeout: SLOW_MS });
  const names = await activePanel(page).locator('.columns .column-title').allInnerTexts();
  // The second deploy's toast would cover the columns in the picture.
  for (const close of await page.locator('.notifications-toasts .codicon-notifications-clear').all()) await close.click().catch(() => {});
  check(names.includes(SERVICE) && names.includes(SECOND_SERVICE), `the comparison shows ${names.join(' and ')} side by side`);
  await page.mouse.move(1300, 850);
  await sleep(500);
  await page.screenshot({ path: join(SCREENSHOTS, 'compare-panel.png'), clip: { x: 0, y: 0, width: 1400, height: 900 } });

  // 6. Copy Sample Request from the service's context menu (curl).
  await page.getByRole('tab', { name: /^FPGA/ }).click();
  await twice('Copy Sample Request', page, async () => {
    await contextMenu(page, treeRow(SERVICE).first(), /Copy Sample Request/);
    await page.locator('.quick-input-widget').waitFor({ timeout: 10_000 });
  });
  await page.keyboard.type('curl');
  await page.keyboard.press('Enter');
  const copied = page.locator('.notifications-toasts', { hasText: /Copied a curl request to/ });
  await copied.first().waitFor({ timeout: 10_000 });
  check(true, 'Copy Sample Request copies a curl request (its toast says so)');

  // 7. A window reload brings the comparison back: VS Code hands the page's saved state to the
  // extension, which runs it again. The reload stopped the host this window started, so the
  // panel offers Start Local Host first.
  // Developer: Reload Window, as a user would: the workbench saves its editors before reloading (a browser reload may not).
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 });
  await page.keyboard.type('Developer: Reload Window');
  await sleep(500);
  await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.keyboard.press('Enter')]);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.tab', { hasText: 'Compare on cat.bmp' }).first().click({ timeout: 60_000 });
  const restored = activePanel(page);
  await restored.locator('.columns .column').nth(1).waitFor({ timeout: SLOW_MS });
  const start = restored.locator('vscode-button[data-action="startLocalHost"]');
  if (await start.count()) await start.click();
  await restored.locator('.columns .column.result').nth(1).waitFor({ timeout: SLOW_MS });
  check(true, 'after a window reload the comparison panel is back and classifies on both services again');

  log(`screenshots in ${SCREENSHOTS}`);
  if (updateReadmeScreenshots) {
    mkdirSync(README_SCREENSHOTS, { recursive: true });
    for (const name of README_PICTURES) copyFileSync(join(SCREENSHOTS, name), join(README_SCREENSHOTS, name));
    log(`README's screenshots updated in ${README_SCREENSHOTS}`);
  }
} catch (error) {
  failures++;
  console.log(`FAIL  ${error.message}`);
  if (browser) {
    await browser.page.screenshot({ path: join(SCREENSHOTS, 'failure.png') }).catch(() => {});
    console.log(`the page at the failure: ${join(SCREENSHOTS, 'failure.png')}`);
  }
} finally {
  if (failures > 0) printLogs(server);
  await browser?.context.close().catch(() => {});
  await stopCodeServer(server);
  await stopLocalHosts(server);
  removeScratch(server);
  rmSync(VSIX, { force: true });
}
log(`end-to-end tier ${failures === 0 ? 'passed' : 'FAILED'} in ${elapsed(started)}`);
process.exit(failures === 0 ? 0 : 1);
