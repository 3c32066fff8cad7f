/**
 * Catches manifest drift: package.json's commands, menus, views and settings against each
 * other, against the command registry and against the files the manifest names.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CONTEXT, GROUP_CONTEXT, MESSAGE_CONTEXT, MODEL_CONTEXT, PROVIDER_CONTEXT, WORKSPACE_CONTEXT, serviceContextValue } from '../../src/ui/tree/presentation';

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}

interface MenuItem {
  command?: string;
  submenu?: string;
  when?: string;
  group?: string;
}

interface Setting {
  type?: string | string[];
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
  enumDescriptions?: string[];
  minimum?: number;
  maximum?: number;
}

interface Manifest {
  name: string;
  publisher: string;
  main: string;
  icon?: string;
  activationEvents?: string[];
  contributes: {
    commands: ManifestCommand[];
    menus: Record<string, MenuItem[]>;
    viewsContainers: Record<string, { id: string; title: string; icon: string }[]>;
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome?: { view: string; contents: string }[];
    walkthroughs?: { id: string; title: string; steps: { id: string; description: string; media: { markdown?: string }; completionEvents?: string[] }[] }[];
    jsonValidation: { fileMatch: string | string[]; url: string }[];
    configuration: { title: string; properties: Record<string, Setting> };
  };
}

/** The repository root, whether this runs from test/unit or compiled from out/test/unit. */
function findRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'fpga-model-services') return dir;
  }
  throw new Error(`no fpga-model-services package.json above ${__dirname}`);
}

const root = findRoot();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const { contributes } = manifest;
const commandIds = new Set(contributes.commands.map((c) => c.command));
const registry = readFileSync(join(root, 'src/ui/commands/registerCommands.ts'), 'utf8');
const byId = new Map(contributes.commands.map((c) => [c.command, c]));

/** Commands that act on a tree node and mean nothing without one. */
const NODE_ONLY = ['fpga.deleteService', 'fpga.deleteModel', 'fpga.revealModelZip', 'fpga.copyScoringUri', 'fpga.copyPrimaryKey', 'fpga.copySecondaryKey', 'fpga.regenerateKeys'];

function menuEntries(): [string, MenuItem][] {
  return Object.entries(contributes.menus).flatMap(([menu, items]) => items.map((item): [string, MenuItem] => [menu, item]));
}

void describe('package.json manifest', () => {
  void it('contributes each command once, in category FPGA, with a title', () => {
    assert.equal(commandIds.size, contributes.commands.length, 'a command id is contributed twice');
    for (const command of contributes.commands) {
      assert.match(command.command, /^fpga\.[a-zA-Z]+$/, command.command);
      assert.equal(command.category, 'FPGA', `${command.command} category`);
      assert.ok(command.title.trim().length > 0, `${command.command} has no title`);
    }
  });

  void it('uses only contributed commands in menus', () => {
    for (const [menu, item] of menuEntries()) {
      assert.ok(item.command && commandIds.has(item.command), `${menu}: ${item.command ?? '(no command)'} is not contributed`);
    }
  });

  void it('gives an icon to every command shown as a button (title bars and inline)', () => {
    for (const [menu, item] of menuEntries()) {
      const button = menu === 'view/title' || menu === 'editor/title' ? item.group?.startsWith('navigation') : item.group?.startsWith('inline');
      if (button && item.command) assert.match(byId.get(item.command)?.icon ?? '', /^\$\([a-z-]+\)$/, `${menu}: ${item.command} needs a codicon`);
    }
  });

  void it('registers a handler for every contributed command, and no other', () => {
    for (const id of commandIds) assert.ok(registry.includes(`'${id}'`), `${id} is not in registerCommands.ts`);
    const registered = new Set(registry.match(/'fpga\.[a-zA-Z]+'/g)?.map((quoted) => quoted.slice(1, -1)));
    for (const id of registered) assert.ok(commandIds.has(id), `registerCommands.ts registers ${id}, which package.json does not contribute`);
  });

  void it('hides node-only commands from the command palette', () => {
    const palette = contributes.menus['commandPalette'] ?? [];
    for (const id of NODE_ONLY) {
      assert.ok(commandIds.has(id), `${id} is not contributed`);
      assert.ok(palette.some((item) => item.command === id && item.when === 'never'), `${id} shows in the palette`);
    }
  });

  void it('offers package and deploy from the palette only for pipeline files', () => {
    const palette = contributes.menus['commandPalette'] ?? [];
    for (const id of ['fpga.packagePipeline', 'fpga.deploy']) {
      const entry = palette.find((item) => item.command === id);
      assert.match(entry?.when ?? '', /\\\.pipeline\\\.json\$/, `${id} palette when-clause`);
    }
  });

  void it('scopes view menus to the Workspaces view', () => {
    for (const menu of ['view/title', 'view/item/context']) {
      for (const item of contributes.menus[menu] ?? []) assert.match(item.when ?? '', /view == fpga\.workspaces/, `${menu}: ${item.command}`);
    }
  });

  void it('links the welcome content only to commands that exist', () => {
    for (const welcome of contributes.viewsWelcome ?? []) {
      assert.ok(contributes.views['fpga']?.some((v) => v.id === welcome.view), `welcome for unknown view ${welcome.view}`);
      for (const [, id] of welcome.contents.matchAll(/\(command:([\w.]+)/g)) {
        const extensionOwn = id === 'extension.open' || id === 'workbench.action.openWalkthrough';
        assert.ok(extensionOwn || commandIds.has(id ?? ''), `welcome links to ${id}`);
      }
      if (welcome.contents.includes('command:extension.open')) {
        assert.ok(welcome.contents.includes(encodeURIComponent(JSON.stringify([`${manifest.publisher}.${manifest.name}`]))), 'extension.open names this extension');
      }
    }
  });

  void it('puts the Workspaces view in the FPGA activity bar container with an existing icon', () => {
    const container = contributes.viewsContainers['activitybar']?.find((c) => c.id === 'fpga');
    assert.ok(container, 'no fpga view container');
    assert.ok(existsSync(join(root, container.icon)), `${container.icon} is missing`);
    assert.ok(contributes.views['fpga']?.some((v) => v.id === 'fpga.workspaces'), 'no fpga.workspaces view');
  });

  void it('names files that exist: the Marketplace icon, the entry point and the schema', () => {
    if (manifest.icon) {
      assert.match(manifest.icon, /\.png$/, 'the Marketplace icon must be a PNG');
      assert.ok(existsSync(join(root, manifest.icon)), `${manifest.icon} is missing`);
    }
    const build = readFileSync(join(root, 'scripts/build.mjs'), 'utf8');
    assert.ok(build.includes(`'${manifest.main.replace(/^\.\//, '')}'`), `build.mjs does not write ${manifest.main}`);
    for (const validation of contributes.jsonValidation) {
      const target = validation.url.replace(/^\.\//, '');
      assert.equal(target, 'dist/pipeline.schema.json');
      // dist/ exists only after a build; the build copies the schema there from src.
      assert.ok(build.includes(`'${target}'`), `build.mjs does not write ${target}`);
      const schemaPath = existsSync(join(root, target)) ? join(root, target) : join(root, 'src/pipeline/pipeline.schema.json');
      assert.doesNotThrow(() => JSON.parse(readFileSync(schemaPath, 'utf8')), `${schemaPath} is not JSON`);
    }
  });

  void it('describes every setting and gives it a default of its type', () => {
    const settings = Object.entries(contributes.configuration.properties);
    assert.ok(settings.length > 0);
    for (const [key, setting] of settings) {
      assert.match(key, /^fpga\./, key);
      assert.ok((setting.description ?? setting.markdownDescription ?? '').trim().length > 0, `${key} has no description`);
      assert.ok('default' in setting, `${key} has no default`);
      const type = setting.type;
      if (type === 'integer') assert.ok(Number.isInteger(setting.default), `${key} default is not an integer`);
      if (type === 'string') assert.equal(typeof setting.default, 'string', `${key} default`);
      if (setting.minimum !== undefined) assert.ok((setting.default as number) >= setting.minimum, `${key} default below minimum`);
      if (setting.maximum !== undefined) assert.ok((setting.default as number) <= setting.maximum, `${key} default above maximum`);
      if (setting.enum) {
        assert.ok(setting.enum.includes(setting.default), `${key} default is not one of its values`);
        assert.equal(setting.enumDescriptions?.length, setting.enum.length, `${key} enumDescriptions`);
      }
    }
  });

  void it('matches the tree contextValues with the view item menus', () => {
    const contexts = [
      MODEL_CONTEXT,
      ERROR_CONTEXT,
      WORKSPACE_CONTEXT.local,
      WORKSPACE_CONTEXT.azure,
      PROVIDER_CONTEXT.signedOut,
      PROVIDER_CONTEXT.signedIn,
      MESSAGE_CONTEXT,
      GROUP_CONTEXT.models,
      GROUP_CONTEXT.services,
      ...(['Healthy', 'Transitioning', 'Failed', 'Deleting'] as const).map(serviceContextValue),
    ];
    const matchers = (contributes.menus['view/item/context'] ?? []).map((item) => {
      const regex = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(item.when ?? '');
      const equals = /viewItem == ([\w.]+)/.exec(item.when ?? '');
      return { command: item.command, matches: (value: string) => (regex?.[1] ? new RegExp(regex[1]).test(value) : equals?.[1] === value) };
    });
    for (const matcher of matchers) assert.ok(contexts.some(matcher.matches), `${matcher.command}: its when-clause matches no tree item`);
    const commandsFor = (context: string): (string | undefined)[] => matchers.filter((m) => m.matches(context)).map((m) => m.command);
    for (const state of ['Healthy', 'Transitioning', 'Failed', 'Deleting'] as const) {
      assert.ok(commandsFor(serviceContextValue(state)).includes('fpga.deleteService'), `${state} services can be deleted`);
    }
    assert.ok(commandsFor(MODEL_CONTEXT).includes('fpga.deploy'), 'models can be deployed');
    assert.ok(commandsFor(ERROR_CONTEXT).includes('fpga.refresh'), 'error nodes have a Retry action');
    assert.ok(commandsFor(WORKSPACE_CONTEXT.local).includes('fpga.refresh'), 'Local can be refreshed');
    assert.ok(commandsFor(WORKSPACE_CONTEXT.azure).includes('fpga.refresh'), 'an Azure workspace can be refreshed');
    assert.ok(commandsFor(PROVIDER_CONTEXT.signedOut).includes('fpga.signInToAzure'), 'the Azure root offers sign-in');
    assert.deepEqual(
      commandsFor(PROVIDER_CONTEXT.signedIn).filter((c) => c !== 'fpga.refresh'),
      ['fpga.selectAzureTenant', 'fpga.signOutOfAzure'],
      'a signed-in Azure root offers tenant and sign-out',
    );
    // Group nodes and message nodes are not items: no item action may fall back to a picker there.
    for (const context of [GROUP_CONTEXT.models, GROUP_CONTEXT.services, MESSAGE_CONTEXT]) {
      assert.deepEqual(commandsFor(context), [], `${context} carries item actions`);
    }
    for (const state of ['Transitioning', 'Failed', 'Deleting'] as const) {
      assert.ok(!commandsFor(serviceContextValue(state)).includes('fpga.classifyImage'), `Classify is offered on ${state} services`);
      assert.ok(commandsFor(serviceContextValue(state)).includes('fpga.copySecondaryKey'), `${state} services' keys can be copied`);
    }
    assert.ok(commandsFor(serviceContextValue('Healthy')).includes('fpga.copySampleRequest'), 'Healthy services offer a sample request');
  });

  void it('walks through getting started with existing commands and media', () => {
    const [walkthrough] = contributes.walkthroughs ?? [];
    assert.ok(walkthrough, 'no walkthrough');
    assert.deepEqual(walkthrough.steps.map((s) => s.id), ['openExample', 'package', 'deploy', 'classify', 'callFromTerminal']);
    for (const step of walkthrough.steps) {
      for (const [, id] of step.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(commandIds.has(id ?? ''), `${step.id} links to ${id}`);
      for (const event of step.completionEvents ?? []) assert.ok(commandIds.has(event.replace(/^onCommand:/, '')), `${step.id} completes on ${event}`);
      assert.ok(step.media.markdown && existsSync(join(root, step.media.markdown)), `${step.id}: ${step.media.markdown} is missing`);
    }
    const welcome = contributes.viewsWelcome?.[0]?.contents ?? '';
    assert.ok(welcome.includes(encodeURIComponent(`${manifest.publisher}.${manifest.name}#${walkthrough.id}`)), 'the welcome opens this walkthrough');
  });

  void it('keeps activation minimal', () => {
    assert.ok(!manifest.activationEvents?.includes('*'), 'activates on startup');
  });
});
