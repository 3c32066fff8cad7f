import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { ServiceInfo, Workspace } from '../../workspaces/workspace';
import { orderForPick } from '../tree/presentation';

/** globalState key: the service the user last classified with, offered first next time. */
const LAST_SERVICE_KEY = 'fpga.classify.lastService';

/** No service can classify: the caller offers Deploy instead of an empty pick. */
export class NoHealthyServiceError extends UserError {
  override readonly name = 'NoHealthyServiceError';
}

export function lastService(memento: vscode.Memento): string | undefined {
  return memento.get<string>(LAST_SERVICE_KEY);
}

export async function rememberService(memento: vscode.Memento, name: string): Promise<void> {
  await memento.update(LAST_SERVICE_KEY, name);
}

/** A Healthy service and the workspace it runs in. */
export interface PickedService {
  workspace: Workspace;
  name: string;
}

interface ServiceItem extends vscode.QuickPickItem {
  workspace: Workspace;
  service: ServiceInfo;
}

function item(workspace: Workspace, service: ServiceInfo, current: string | undefined, several: boolean): ServiceItem {
  const engine = [several ? workspace.label : undefined, service.backend, service.precision].filter((part): part is string => !!part).join(' · ');
  return {
    label: service.name,
    description: service.name === current ? vscode.l10n.t('{0} (current)', engine) : engine,
    detail: service.synthetic ? vscode.l10n.t('Generated weights: timings are real, classes are meaningless') : vscode.l10n.t('Real weights'),
    workspace,
    service,
  };
}

export interface PickOptions {
  /** The image being classified, for the prompt. */
  imageName: string;
  /** The service in use; listed with "(current)". */
  current?: string;
  /** Show the pick even when only one service is Healthy (Switch Service asked for a choice). */
  alwaysAsk?: boolean;
  /** Services not to offer (those a comparison already shows). */
  exclude?: readonly string[];
}

/**
 * Asks which Healthy service classifies the image, among the services of the workspaces
 * given (a panel's own workspace, or every workspace): the last one used comes first, and a
 * single candidate is taken without asking. Undefined when the user cancels;
 * NoHealthyServiceError when there is nothing to choose.
 */
export async function pickHealthyService(workspaces: readonly Workspace[], memento: vscode.Memento, options: PickOptions): Promise<PickedService | undefined> {
  const excluded = new Set(options.exclude ?? []);
  const listed = await Promise.all(
    workspaces.map(async (workspace) => (await workspace.listServices()).filter((s) => s.state === 'Healthy' && !excluded.has(s.name)).map((service) => ({ workspace, service }))),
  );
  const healthy = listed.flat();
  const where = workspaces.map((workspace) => workspace.label).join(', ');
  if (healthy.length === 0) {
    throw new NoHealthyServiceError(
      excluded.size > 0
        ? vscode.l10n.t('No other service of {0} is Healthy: deploy another pipeline to compare with.', where)
        : vscode.l10n.t('No service of {0} is Healthy: deploy a pipeline to classify images.', where),
    );
  }
  const previous = options.current ?? lastService(memento);
  let chosen: { workspace: Workspace; service: ServiceInfo } | undefined;
  if (healthy.length === 1 && !options.alwaysAsk) {
    chosen = healthy[0];
  } else {
    const ordered = orderForPick(
      healthy.map((entry) => ({ ...entry, name: entry.service.name, synthetic: entry.service.synthetic })),
      previous,
    );
    const several = workspaces.length > 1;
    const picked = await vscode.window.showQuickPick(
      ordered.map((entry) => item(entry.workspace, entry.service, options.current, several)),
      {
        title: vscode.l10n.t('Classify {0}', options.imageName),
        placeHolder: vscode.l10n.t('Choose the service that classifies the image'),
        matchOnDescription: true,
      },
    );
    chosen = picked ? { workspace: picked.workspace, service: picked.service } : undefined;
  }
  if (!chosen) return undefined;
  await rememberService(memento, chosen.service.name);
  return { workspace: chosen.workspace, name: chosen.service.name };
}
