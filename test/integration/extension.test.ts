import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { FpgaExtensionApi } from '../../src/ui/testApi';
import type { TestCase } from './runner';
import { waitFor } from './runner';

const EXTENSION_ID = 'fpga-model-services.fpga-model-services';
const PIPELINE = 'mobilenet.pipeline.json';
const IMAGE = 'cat.bmp';
/** The integration tier copies these into the test folder (test/vscode/integration.mjs). */
const BATCH_IMAGES = ['bird.bmp', 'cat.bmp', 'hot_dog.jpg'];
/** ImageNet's tabby, tiger cat and Egyptian cat. */
const CAT_CLASSES = [281, 282, 285];

/** The part of the classify panel's outcome (webview/protocol.ts) these tests read. */
interface ClassifyOutcome {
  type: 'result' | 'error' | 'busy';
  message?: string;
  image?: { name: string };
  service?: { name: string; backend?: string; precision?: string } | string;
  predictions?: { index: number; label: string; score: number }[];
  timings?: { stage: string; ms: number }[];
}

interface BoardOutcome {
  type: 'board';
  layout: 'batch' | 'compare';
  cells: ClassifyOutcome[];
}

function isClassifyOutcome(value: unknown): value is ClassifyOutcome {
  return typeof value === 'object' && value !== null && 'type' in value;
}

function isBoard(value: unknown): value is BoardOutcome {
  return isClassifyOutcome(value) && (value as { type: string }).type === 'board';
}

async function localServices(): Promise<{ name: string; state: string }[]> {
  const state = process.env.FPGA_LOCAL_HOST_STATE;
  assert.ok(state, 'the tier runner names the local host state folder');
  const cli = join(extension().extensionPath, 'dist', 'cli.js');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'services', '--state', state, '--json']);
  return JSON.parse(stdout) as { name: string; state: string }[];
}

/** A Healthy service's node in the Workspaces tree, as a right-click would pass it to a command. */
async function healthyServiceNode(): Promise<unknown> {
  const roots = (await tree().getChildren(undefined)) ?? [];
  for (const root of roots) {
    if ((await labelOf(root)) !== 'Local (this machine)') continue;
    for (const group of (await tree().getChildren(root)) ?? []) {
      if ((await labelOf(group)) !== 'Services') continue;
      for (const node of (await tree().getChildren(group)) ?? []) if ((await tree().getTreeItem(node)).contextValue === 'service.healthy') return node;
    }
  }
  throw new Error('no Healthy service node in the tree');
}

function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri;
}

function extension(): vscode.Extension<unknown> {
  const found = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(found, `${EXTENSION_ID} is loaded`);
  return found;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Presses Enter in the quick input (a name box, a save dialog) until `pending` settles. */
async function acceptUntilSettled<T>(what: string, pending: Thenable<T>): Promise<T> {
  let settled = false;
  const done = Promise.resolve(pending).finally(() => (settled = true));
  await waitFor(
    what,
    async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await Promise.race([done.catch(() => undefined), sleep(500)]);
      return settled ? true : undefined;
    },
    120_000,
  );
  return done;
}

const tree = (): FpgaExtensionApi['workspacesTree'] => (extension().exports as FpgaExtensionApi).workspacesTree;

async function labelOf(node: unknown): Promise<string> {
  const { label } = await tree().getTreeItem(node);
  return typeof label === 'string' ? label : (label?.label ?? '');
}

/** The child of `parent` (undefined: a root) with this label; fails naming the labels there are. */
async function childNamed(parent: unknown, label: string): Promise<unknown> {
  const children = (await tree().getChildren(parent)) ?? [];
  for (const child of children) if ((await labelOf(child)) === label) return child;
  throw new Error(`no "${label}" among ${(await Promise.all(children.map(labelOf))).join(', ')}`);
}

export const extensionTests: TestCase[] = [
  {
    name: 'the extension under development activates',
    run: async () => {
      const ext = extension();
      await ext.activate();
      assert.ok(ext.isActive);
      const expected = process.env.FPGA_EXTENSION_ROOT;
      if (expected) assert.equal(ext.extensionPath, expected, 'the checkout is the extension, not an installed copy');
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['fpga.packagePipeline', 'fpga.deploy', 'fpga.classifyImage']) {
        assert.ok(commands.includes(id), `${id} is registered`);
      }
    },
  },
  {
    name: 'Package Pipeline writes mobilenet.model_def.zip beside mobilenet.pipeline.json, byte for byte what `fpga package` writes',
    run: async () => {
      const pipeline = vscode.Uri.joinPath(workspaceFolder(), PIPELINE);
      // Named per pipeline: two pipelines of one folder never overwrite each other's zip.
      const zip = join(workspaceFolder().fsPath, 'mobilenet.model_def.zip');
      await rm(zip, { force: true });
      await vscode.commands.executeCommand('fpga.packagePipeline', pipeline);
      const packaged = await waitFor('mobilenet.model_def.zip', async () => ((await exists(zip)) ? readFile(zip) : undefined));
      assert.equal(await exists(join(workspaceFolder().fsPath, 'model_def.zip')), false, 'no shared model_def.zip');

      // The CLI of the same checkout, on the same file; the extension host runs on Node too.
      const cli = join(extension().extensionPath, 'dist', 'cli.js');
      const scratch = await mkdtemp(join(tmpdir(), 'fpga-cli-zip-'));
      try {
        const out = join(scratch, 'model_def.zip');
        await promisify(execFile)(process.execPath, [cli, 'package', pipeline.fsPath, '--out', out]);
        const expected = await readFile(out);
        assert.ok(packaged.length > 0, 'the zip is not empty');
        assert.ok(packaged.equals(expected), `extension zip (${packaged.length} B) differs from the CLI's (${expected.length} B)`);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'an unknown featurizer shows an FPGA problem',
    run: async () => {
      const text = (await readFile(join(workspaceFolder().fsPath, PIPELINE), 'utf8')).replace('"mobilenet_v1_0.75"', '"resnet51"');
      const uri = vscode.Uri.joinPath(workspaceFolder(), 'unknown-featurizer.pipeline.json');
      await writeFile(uri.fsPath, text);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const problem = await waitFor('the FPGA diagnostic', () =>
        vscode.languages.getDiagnostics(uri).find((d) => d.source === 'FPGA' && d.message.includes('resnet51')),
      );
      assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
      assert.match(problem.message, /unknown featurizer "resnet51"/);
      assert.equal(document.getText(problem.range), '"resnet51"', 'the problem underlines the featurizer name');
      // The "did you mean" quick fix puts the catalog's name in place.
      // The request is cancelled when the diagnostics are republished meanwhile (the JSON service re-validates): ask again.
      const fix = await waitFor('the "did you mean" quick fix', async () => {
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, problem.range, vscode.CodeActionKind.QuickFix.value);
        return actions.find((action) => action.title === 'Change to "resnet50"' && action.edit !== undefined);
      });
      assert.ok(fix.edit);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.ok(document.getText().includes('"model": "resnet50"'), 'the featurizer is now resnet50');
      await waitFor('the problem gone', () => (vscode.languages.getDiagnostics(uri).some((d) => d.source === 'FPGA' && d.message.includes('resnet51')) ? undefined : true));
      await document.save();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    },
  },
  {
    name: 'the schema completes stage types in a pipeline file',
    run: async () => {
      const uri = vscode.Uri.joinPath(workspaceFolder(), PIPELINE);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      // Inside the quotes of the featurizer stage's "accelerated".
      const offset = document.getText().indexOf('"accelerated"') + 1;
      const position = document.positionAt(offset);
      const want = ['preprocess', 'accelerated', 'tensorflow', 'classifier'];
      // The JSON language server starts on demand: the first requests may come back empty.
      const labels = await waitFor('stage type completions', async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, position);
        const found = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label).replace(/"/g, ''));
        return want.every((w) => found.includes(w)) ? found : undefined;
      });
      assert.ok(labels.length >= want.length);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    },
  },
  {
    name: 'with nothing deployed the Workspaces view has no nodes, so its welcome content shows',
    run: async () => {
      const tree = (extension().exports as FpgaExtensionApi).workspacesTree;
      const roots = await tree.getChildren(undefined);
      assert.deepEqual(roots, [], 'no root nodes');
    },
  },
  {
    name: 'the Getting Started walkthrough opens',
    run: async () => {
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#fpga.gettingStarted`, false);
      const tab = await waitFor('the walkthrough tab', () =>
        vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.isActive && /Welcome|Walkthrough|Get Started/i.test(t.label)),
      );
      assert.ok(tab.label.length > 0);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    },
  },
  {
    name: 'New Pipeline from Template with the default file name writes resnet50-imagenet.pipeline.json named resnet50-imagenet',
    run: async () => {
      const written = vscode.commands.executeCommand<vscode.Uri | undefined>('fpga.newPipeline', 'resnet50');
      // The save dialog (VS Code's own in a web window) proposes the default name: accept it.
      const uri = await acceptUntilSettled('the save dialog', written);
      assert.ok(uri, 'a file was written');
      assert.equal(uri.path.split('/').pop(), 'resnet50-imagenet.pipeline.json');
      const pipeline = JSON.parse(await readFile(uri.fsPath, 'utf8')) as { name: string };
      assert.equal(pipeline.name, 'resnet50-imagenet');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await rm(uri.fsPath);
    },
  },
  {
    name: 'Deploy from a pipeline file starts the local host and a Healthy service, which the CLI sees without --state',
    run: async () => {
      const pipeline = vscode.Uri.joinPath(workspaceFolder(), PIPELINE);
      // Deploy asks for the service name in an input box; accepting it takes the suggested name.
      const deployed = vscode.commands.executeCommand('fpga.deploy', pipeline);
      await waitFor(
        'the service name input box',
        async () => {
          await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
          const settled = await Promise.race([deployed.then(() => true), sleep(500).then(() => undefined)]);
          return settled;
        },
        120_000,
      );
      await deployed;
      // One Local workspace per user: the CLI, with no --state, sees what the extension deployed,
      // as a user at a terminal would (both use $FPGA_STATE_DIR, here the tier's scratch folder).
      const state = process.env.FPGA_LOCAL_HOST_STATE;
      assert.ok(state, 'the tier runner names the local host state folder');
      assert.equal(process.env.FPGA_STATE_DIR, state);
      const cli = join(extension().extensionPath, 'dist', 'cli.js');
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'services', '--json']);
      const services = JSON.parse(stdout) as { name: string; state: string }[];
      assert.ok(
        services.some((s) => s.name.startsWith('mobilenet') && s.state === 'Healthy'),
        `a Healthy service from the mobilenet pipeline, got ${stdout}`,
      );
    },
  },
  {
    name: 'the tree shows the Local workspace with the deployed service, Healthy',
    run: async () => {
      const services = await childNamed(await childNamed(undefined, 'Local (this machine)'), 'Services');
      const healthy = await waitFor('a Healthy service node', async () => {
        for (const node of (await tree().getChildren(services)) ?? []) {
          const item = await tree().getTreeItem(node);
          if (item.contextValue === 'service.healthy' && (await labelOf(node)).startsWith('mobilenet')) return item;
        }
        return undefined;
      });
      assert.match(String(healthy.description), /mobilenet-imagenet:1/);
    },
  },
  {
    name: 'Classify Image on cat.bmp opens the panel, which receives a top 5 with a cat class',
    run: async () => {
      const image = vscode.Uri.joinPath(workspaceFolder(), IMAGE);
      const outcome: unknown = await vscode.commands.executeCommand('fpga.classifyImage', image);
      assert.ok(isClassifyOutcome(outcome), `classifyImage resolves with the panel's outcome, got ${JSON.stringify(outcome)}`);
      assert.equal(outcome.type, 'result', `the panel shows a result, not: ${outcome.message ?? ''}`);
      const predictions = outcome.predictions ?? [];
      assert.equal(predictions.length, 5, 'the top 5 (mobilenet.pipeline.json sets topK 5)');
      const cat = predictions.find((p) => CAT_CLASSES.includes(p.index));
      assert.ok(cat, `a cat class among ${JSON.stringify(predictions.map((p) => `${p.index} ${p.label}`))}`);
      const tabs = await waitFor('the classify panel tab', () => {
        const labels = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label);
        return labels.some((l) => l.includes(IMAGE)) ? labels : undefined;
      });
      assert.ok(tabs.length > 0);
    },
  },
  {
    name: 'Classify Image on three selected images shows one batch panel with a result for each',
    run: async () => {
      const images = BATCH_IMAGES.map((name) => vscode.Uri.joinPath(workspaceFolder(), name));
      const outcome: unknown = await vscode.commands.executeCommand('fpga.classifyImage', images[0], images);
      assert.ok(isBoard(outcome), `a board, got ${JSON.stringify(outcome)?.slice(0, 300)}`);
      assert.equal(outcome.layout, 'batch');
      assert.deepEqual(outcome.cells.map((c) => `${c.type} ${c.image?.name ?? ''}`), BATCH_IMAGES.map((name) => `result ${name}`));
      assert.ok(outcome.cells.every((c) => (c.predictions?.length ?? 0) === 5), 'a top 5 for each image');
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label);
      assert.ok(tabs.includes('Classify 3 images'), `one panel for the three, tabs: ${tabs.join(', ')}`);
    },
  },
  {
    name: 'Compare Services on Image runs cat.bmp on two services side by side',
    run: async () => {
      const pipeline = vscode.Uri.joinPath(workspaceFolder(), PIPELINE);
      const second = await acceptUntilSettled('the second service name', vscode.commands.executeCommand<{ name: string; state: string } | undefined>('fpga.deploy', pipeline));
      assert.equal(second?.state, 'Healthy', 'a second service');
      const services = (await localServices()).filter((s) => s.state === 'Healthy').map((s) => s.name);
      assert.ok(services.length >= 2, `two Healthy services, got ${services.join(', ')}`);
      const image = vscode.Uri.joinPath(workspaceFolder(), IMAGE);
      const outcome: unknown = await vscode.commands.executeCommand('fpga.compareServices', image, undefined, services.slice(0, 2));
      assert.ok(isBoard(outcome), `a board, got ${JSON.stringify(outcome)?.slice(0, 300)}`);
      assert.equal(outcome.layout, 'compare');
      assert.deepEqual(outcome.cells.map((c) => (typeof c.service === 'object' ? c.service.name : c.service)), services.slice(0, 2));
      for (const cell of outcome.cells) {
        assert.equal(cell.type, 'result');
        assert.ok(cell.predictions?.some((p) => CAT_CLASSES.includes(p.index)), 'each service sees a cat');
        assert.ok(typeof cell.service === 'object' && cell.service.backend && cell.service.precision, 'backend and precision per column');
        assert.ok((cell.timings?.length ?? 0) >= 3, 'latency per stage');
      }
    },
  },
  {
    name: 'Copy Sample Request copies a curl command that classifies the image from a terminal',
    run: async () => {
      const node = await healthyServiceNode();
      const text = await vscode.commands.executeCommand<string>('fpga.copySampleRequest', node, 'curl');
      assert.equal(await vscode.env.clipboard.readText(), text, 'the clipboard holds the sample');
      assert.match(text, /\/v2\/models\/[a-z0-9-]+\/infer'/, 'the infer URL');
      assert.match(text, /Authorization: Bearer \$KEY/);
      // As a user would: point IMAGE at a photo and run it.
      const script = text.replace(/^IMAGE=.*$/m, `IMAGE='${join(workspaceFolder().fsPath, IMAGE)}'`);
      const { stdout } = await promisify(execFile)('bash', ['-c', script]);
      const reply = JSON.parse(stdout) as { outputs: { data: string[] }[] };
      const indices = (reply.outputs[0]?.data ?? []).map((entry) => Number(entry.split(':')[1]));
      assert.ok(indices.some((i) => CAT_CLASSES.includes(i)), `a cat class from curl: ${stdout}`);
    },
  },
  {
    name: 'Sign in to Azure lists the Azure Machine Learning workspaces, by subscription, with their models and services',
    run: async () => {
      await vscode.commands.executeCommand('fpga.signInToAzure');
      const root = await childNamed(undefined, 'Azure Machine Learning');
      const subscription = await childNamed(root, 'Fake Subscription One');
      const workspace = await childNamed(subscription, 'fpga-ws');
      assert.equal((await tree().getTreeItem(workspace)).contextValue, 'workspace.azure');
      const groups = await Promise.all(((await tree().getChildren(workspace)) ?? []).map(labelOf));
      assert.deepEqual(groups, ['Models', 'Services']);
    },
  },
  {
    name: 'Deploy to the Azure workspace registers the zip, creates an endpoint, and Classify Image classifies through its scoring URI',
    run: async () => {
      const workspaceId = process.env.FPGA_AZURE_WORKSPACE;
      assert.ok(workspaceId, 'the tier runner names the fake workspace');
      const pipeline = vscode.Uri.joinPath(workspaceFolder(), PIPELINE);
      const deployed = await acceptUntilSettled(
        'the Azure service name',
        vscode.commands.executeCommand<{ name: string; state: string; scoring_uri: string } | undefined>('fpga.deploy', pipeline, undefined, { workspaceId }),
      );
      assert.equal(deployed?.state, 'Healthy', `the endpoint is Healthy, got ${JSON.stringify(deployed)}`);
      const subscription = await childNamed(await childNamed(undefined, 'Azure Machine Learning'), 'Fake Subscription One');
      const services = await childNamed(await childNamed(subscription, 'fpga-ws'), 'Services');
      const node = await waitFor('the endpoint in the tree', async () => {
        for (const child of (await tree().getChildren(services)) ?? []) if ((await labelOf(child)) === deployed.name) return child;
        await vscode.commands.executeCommand('fpga.refresh');
        return undefined;
      });
      assert.equal((await tree().getTreeItem(node)).contextValue, 'service.healthy');
      const models = await childNamed(await childNamed(subscription, 'fpga-ws'), 'Models');
      assert.ok(((await tree().getChildren(models)) ?? []).length >= 1, 'the registered model is listed');
      // From a service node, Classify Image takes the image open in the editor.
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.joinPath(workspaceFolder(), IMAGE));
      const outcome: unknown = await vscode.commands.executeCommand('fpga.classifyImage', node, undefined);
      assert.ok(isClassifyOutcome(outcome), `classifyImage resolves with the panel's outcome, got ${JSON.stringify(outcome)}`);
      assert.equal(outcome.type, 'result', `the panel shows a result, not: ${outcome.message ?? ''}`);
      assert.ok(outcome.predictions?.some((p) => CAT_CLASSES.includes(p.index)), 'a cat class from the Azure endpoint');
    },
  },
  {
    name: 'Train Classifier from Folder learns birds from cats on MobileNet features and opens the report',
    run: async () => {
      const dataset = vscode.Uri.joinPath(workspaceFolder(), 'pets');
      const result = await vscode.commands.executeCommand<{ classes: string[]; validation_accuracy: number | null; pipeline: string } | undefined>(
        'fpga.trainClassifier',
        dataset,
        undefined,
        { featurizer: 'mobilenet_v1_0.75', epochs: 20 },
      );
      assert.deepEqual(result?.classes, ['bird', 'cat']);
      assert.ok((result?.validation_accuracy ?? 0) >= 0.75, `validation accuracy well above chance (0.5), got ${result?.validation_accuracy}`);
      assert.ok(await exists(result.pipeline), `the pipeline ${result.pipeline} is written`);
      const tabs = await waitFor('the training report tab', () => {
        const labels = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label);
        return labels.find((label) => /pets/i.test(label));
      });
      assert.ok(tabs);
      // The FPGA view beside it, for whoever asked for the tier's screenshot.
      const screenshot = process.env.FPGA_INTEGRATION_SCREENSHOT;
      if (screenshot) {
        await vscode.commands.executeCommand('fpga.workspaces.focus');
        await sleep(3000);
        await writeFile(`${screenshot}.ready`, '');
        await sleep(2000);
      }
    },
  },
];
