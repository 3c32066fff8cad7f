import * as path from 'node:path';
import * as vscode from 'vscode';
import { plainNotificationText } from '../../common/displayText';
import { UserError } from '../../common/errors';
import { readModelDef } from '../../pipeline/modelDefReader';
import { PipelineInvalidError, packagePipeline } from '../../pipeline/packager';
import type { ModelInfo, ServiceInfo, Workspace } from '../../workspaces/workspace';
import { defaultServiceName, modelToDeploy, serviceNameInputProblem, waitUntilSettled } from '../deploy/deployLogic';
import type { DeploySource } from '../deploy/deployLogic';
import { getLog } from '../log';
import { PIPELINE_SUFFIX } from '../templates/pipelineTemplate';
import { ModelNode } from '../tree/modelNodes';
import { modelLabel } from '../tree/presentation';
import { ServiceNode } from '../tree/serviceNodes';
import { isPipelineUri, saveIfDirty, showProblems } from './packagePipeline';
import type { CommandContext } from './runCommand';

const log = getLog('deploy');

/** What the user asked to deploy: a file (pipeline or zip) or a model already registered in a workspace. */
type Target = { kind: 'file'; uri: vscode.Uri } | { kind: 'model'; workspace: Workspace; model: ModelInfo };

function isZipUri(uri: vscode.Uri): boolean {
  return uri.path.toLowerCase().endsWith('.zip');
}

/** Step 1: the Explorer's or editor title's file, a model node, else the active pipeline editor, else a pick. */
async function chooseTarget(arg: unknown): Promise<Target> {
  if (arg instanceof ModelNode) return { kind: 'model', workspace: arg.workspace, model: arg.model };
  if (arg instanceof vscode.Uri) {
    if (isPipelineUri(arg) || isZipUri(arg)) return { kind: 'file', uri: arg };
    throw new UserError(vscode.l10n.t('{0} is neither a *.pipeline.json nor a model_def.zip.', path.basename(arg.fsPath)));
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isPipelineUri(active)) return { kind: 'file', uri: active };
  return { kind: 'file', uri: await pickFile() };
}

async function pickFile(): Promise<vscode.Uri> {
  const found = await vscode.workspace.findFiles(`**/{*${PIPELINE_SUFFIX},*model_def.zip}`, '**/node_modules/**', 200);
  const browse = { label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`, uri: undefined };
  const items = [
    ...found
      .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
      .map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), uri })),
    browse,
  ];
  const choice = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Pipeline or model_def.zip to deploy') });
  if (!choice) throw new vscode.CancellationError();
  if (choice.uri) return choice.uri;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: vscode.l10n.t('Deploy'),
    filters: { [vscode.l10n.t('Pipelines and model zips')]: ['json', 'zip'] },
  });
  const uri = picked?.[0];
  if (!uri) throw new vscode.CancellationError();
  return uri;
}

/** Step 2: where to deploy: the workspace named by id (automation), else a pick, skipped while there is only one. */
async function pickWorkspace(command: CommandContext, workspaceId: string | undefined): Promise<Workspace> {
  if (workspaceId !== undefined) return command.workspaces.workspaceById(workspaceId);
  const targets = await command.workspaces.deployTargets();
  const [only] = targets;
  if (only && targets.length === 1) return only;
  const choice = await vscode.window.showQuickPick(
    targets.map((workspace) => ({ label: workspace.label, description: command.workspaces.providerUi(workspace.kind)?.provider.label, workspace })),
    { placeHolder: vscode.l10n.t('Workspace to deploy to') },
  );
  if (!choice) throw new vscode.CancellationError();
  return choice.workspace;
}

/** Step 3: the zip to register. An invalid pipeline is shown as Package Pipeline shows it; undefined then. */
async function packageIfNeeded(command: CommandContext, uri: vscode.Uri): Promise<Extract<DeploySource, { kind: 'zip' }> | undefined> {
  if (uri.scheme !== 'file') throw new UserError(vscode.l10n.t('{0} is not a file on this machine; save it to a folder first.', uri.toString()));
  const displayName = path.basename(uri.fsPath);
  if (isZipUri(uri)) {
    const zip = await vscode.workspace.fs.readFile(uri);
    // Read (and verified) here, so a damaged zip is refused before any question is asked.
    return { kind: 'zip', zip, displayName, pipelineName: readModelDef(zip).serviceDef.name };
  }
  await saveIfDirty(uri);
  try {
    const { zip, warnings, serviceDef } = await packagePipeline(uri.fsPath);
    if (warnings.length > 0) command.diagnostics.publishPackageProblems(uri, warnings);
    return { kind: 'zip', zip, displayName, pipelineName: serviceDef.name };
  } catch (error) {
    if (!(error instanceof PipelineInvalidError)) throw error;
    await showProblems(command, uri, error);
    return undefined;
  }
}

/**
 * Step 4: the service name, checked as it is typed (rules and uniqueness in the workspace).
 * Asked before a file's model is registered, so Escape here leaves the workspace unchanged.
 */
async function askServiceName(command: CommandContext, workspace: Workspace, what: string, baseName: string): Promise<string> {
  const services = await command.workspaces.listServices(workspace);
  const taken = services.map((s) => s.name);
  const value = defaultServiceName(baseName, services);
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('Deploy {0} to {1}', what, workspace.label),
    prompt: vscode.l10n.t('Service name: 3–32 lowercase letters, digits and "-"'),
    value,
    valueSelection: [0, value.length],
    ignoreFocusOut: true,
    validateInput: (text) => serviceNameInputProblem(text, taken, vscode.l10n.t),
  });
  if (name === undefined) throw new vscode.CancellationError();
  return name;
}

/** Step 5: deploy, then wait with a cancellable notification; undefined when the user stopped waiting. */
async function deployAndWait(command: CommandContext, workspace: Workspace, name: string, model: ModelInfo): Promise<ServiceInfo | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Deploying {0}', name), cancellable: true },
    async (progress, token) => {
      progress.report({ message: vscode.l10n.t('starting {0}…', modelLabel(model)) });
      // The row shows Transitioning at once, even while the host is too busy loading to list it.
      command.workspaces.markPending(workspace, name, 'Transitioning');
      const stopWaiting = new AbortController();
      const subscription = token.onCancellationRequested(() => stopWaiting.abort());
      try {
        const options = (await command.workspaces.providerUi(workspace.kind)?.deployOptions?.(workspace)) ?? {};
        const started = await workspace.deployService(name, model.id, {
          ...options,
          signal: stopWaiting.signal,
          onProgress: (message) => progress.report({ message }),
        });
        log.info(`deploying ${name} (${model.id}) in ${workspace.label}`);
        if (started.state !== 'Transitioning') return started;
        return await waitUntilSettled(workspace, name, {
          signal: stopWaiting.signal,
          onState: (service) => progress.report({ message: vscode.l10n.t('{0} (cancel stops waiting, not the deployment)', service.state) }),
        });
      } catch (error) {
        if (!stopWaiting.signal.aborted) throw error;
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Stopped waiting for {0}; it keeps deploying. The Workspaces view shows when it is Healthy.', name),
        );
        return undefined;
      } finally {
        subscription.dispose();
        command.workspaces.clearPending(workspace, name);
      }
    },
  );
}

/** Step 6: say how it ended, with the next useful action. */
function announce(workspace: Workspace, service: ServiceInfo): void {
  if (service.state === 'Healthy') {
    log.info(`${service.name} is Healthy at ${service.scoring_uri} (${service.backend ?? 'backend unknown'})`);
    const classify = vscode.l10n.t('Classify Image…');
    const sample = vscode.l10n.t('Copy Sample Request');
    const message = service.synthetic
      ? vscode.l10n.t('Service {0} is Healthy on generated weights: its timings are real, its classes are meaningless.', service.name)
      : vscode.l10n.t('Service {0} is Healthy (real weights).', service.name);
    const show = service.synthetic ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(message, classify, sample).then(async (choice) => {
      const node = new ServiceNode(workspace, service, workspace.id);
      if (choice === classify) await vscode.commands.executeCommand('fpga.classifyImage', node);
      if (choice === sample) await vscode.commands.executeCommand('fpga.copySampleRequest', node);
    });
    return;
  }
  const reason = service.error ?? vscode.l10n.t('no reason given');
  log.error(`${service.name} ended ${service.state}: ${reason}`);
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window
    // The reason may quote the model's own text (a labels path, a stage name): shown as text, never as links.
    .showErrorMessage(vscode.l10n.t('Service {0} is {1}: {2}', service.name, service.state, plainNotificationText(reason)), showLog)
    .then(async (choice) => {
      // The service's own log says why it failed (its load error, the container's output).
      if (choice === showLog) await vscode.commands.executeCommand('fpga.showLog', new ServiceNode(workspace, service, workspace.id));
    });
}

/**
 * FPGA: Deploy — a pipeline file, a model_def.zip or a registered model, as a service.
 * Resolves with the service as it settled (undefined when cancelled, invalid or no longer
 * waited for), which `executeCommand` callers such as integration tests receive.
 */
export async function deploy(command: CommandContext, arg?: unknown, _selected?: unknown, options?: unknown): Promise<ServiceInfo | undefined> {
  // Scripts and tests may name the workspace: executeCommand('fpga.deploy', uri, undefined, { workspaceId }).
  const workspaceId = typeof options === 'object' && options !== null && 'workspaceId' in options && typeof options.workspaceId === 'string' ? options.workspaceId : undefined;
  const target = await chooseTarget(arg);
  let workspace: Workspace;
  let model: ModelInfo;
  let name: string;
  if (target.kind === 'model') {
    ({ workspace, model } = target);
    name = await askServiceName(command, workspace, modelLabel(model), model.name);
  } else {
    const source = await packageIfNeeded(command, target.uri);
    if (!source) return undefined;
    const chosen = await pickWorkspace(command, workspaceId);
    workspace = chosen;
    name = await askServiceName(command, workspace, source.displayName, source.pipelineName);
    model = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Registering {0} in {1}…', source.displayName, workspace.label) },
      () => modelToDeploy(chosen, source),
    );
    log.info(`registered ${target.uri.fsPath} as ${model.id}`);
    command.workspaces.refresh();
  }
  const service = await deployAndWait(command, workspace, name, model);
  if (service) announce(workspace, service);
  return service;
}
