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
/** ImageNet's tabby, tiger cat and Egyptian cat. */
const CAT_CLASSES = [281, 282, 285];

/** The part of the classify panel's outcome (webview/protocol.ts) these tests read. */
interface ClassifyOutcome {
  type: 'result' | 'error';
  message?: string;
  service?: { name: string } | string;
  predictions?: { index: number; label: string; score: number }[];
}

function isClassifyOutcome(value: unknown): value is ClassifyOutcome {
  return typeof value === 'object' && value !== null && 'type' in value;
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
    name: 'Package Pipeline writes model_def.zip beside the pipeline, byte for byte what `fpga package` writes',
    run: async () => {
      const pipeline = vscode.Uri.joinPath(workspaceFolder(), PIPELINE);
      const zip = join(workspaceFolder().fsPath, 'model_def.zip');
      await rm(zip, { force: true });
      await vscode.commands.executeCommand('fpga.packagePipeline', pipeline);
      const packaged = await waitFor('model_def.zip', async () => ((await exists(zip)) ? readFile(zip) : undefined));

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
    name: 'Deploy from a pipeline file starts the local host and a Healthy service',
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
      // The host the extension started keeps its state in the extension's global storage;
      // the CLI reads the same folder, as a user at a terminal would.
      const state = process.env.FPGA_LOCAL_HOST_STATE;
      assert.ok(state, 'the tier runner names the local host state folder');
      const cli = join(extension().extensionPath, 'dist', 'cli.js');
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'services', '--state', state, '--json']);
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
      const tree = (extension().exports as FpgaExtensionApi).workspacesTree;
      const labelOf = async (node: unknown): Promise<string> => {
        const { label } = await tree.getTreeItem(node);
        return typeof label === 'string' ? label : (label?.label ?? '');
      };
      const childNamed = async (parent: unknown, label: string): Promise<unknown> => {
        const children = (await tree.getChildren(parent)) ?? [];
        for (const child of children) if ((await labelOf(child)) === label) return child;
        throw new Error(`no "${label}" among ${(await Promise.all(children.map(labelOf))).join(', ')}`);
      };
      const services = await childNamed(await childNamed(undefined, 'Local (this machine)'), 'Services');
      const healthy = await waitFor('a Healthy service node', async () => {
        for (const node of (await tree.getChildren(services)) ?? []) {
          const item = await tree.getTreeItem(node);
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
];
