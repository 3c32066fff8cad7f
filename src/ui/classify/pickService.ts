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

interface ServiceItem extends vscode.QuickPickItem {
  service: ServiceInfo;
}

function item(service: ServiceInfo, current: string | undefined): ServiceItem {
  const engine = [service.backend, service.precision].filter((part): part is string => !!part).join(' · ');
  return {
    label: service.name,
    description: service.name === current ? vscode.l10n.t('{0} (current)', engine) : engine,
    detail: service.synthetic ? vscode.l10n.t('Generated weights: timings are real, classes are meaningless') : vscode.l10n.t('Real weights'),
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
 * Asks which Healthy service of the workspace classifies the image: the last one used comes
 * first, and a single candidate is taken without asking. Undefined when the user cancels;
 * NoHealthyServiceError when there is nothing to choose.
 */
export async function pickHealthyService(workspace: Workspace, memento: vscode.Memento, options: PickOptions): Promise<string | undefined> {
  const excluded = new Set(options.exclude ?? []);
  const healthy = (await workspace.listServices()).filter((service) => service.state === 'Healthy' && !excluded.has(service.name));
  if (healthy.length === 0) {
    throw new NoHealthyServiceError(
      excluded.size > 0
        ? vscode.l10n.t('No other service of the {0} workspace is Healthy: deploy another pipeline to compare with.', workspace.label)
        : vscode.l10n.t('No service of the {0} workspace is Healthy: deploy a pipeline to classify images.', workspace.label),
    );
  }
  const previous = options.current ?? lastService(memento);
  let chosen: ServiceInfo | undefined;
  if (healthy.length === 1 && !options.alwaysAsk) {
    chosen = healthy[0];
  } else {
    const ordered = orderForPick(healthy, previous);
    const picked = await vscode.window.showQuickPick(
      ordered.map((service) => item(service, options.current)),
      {
        title: vscode.l10n.t('Classify {0}', options.imageName),
        placeHolder: vscode.l10n.t('Choose the service that classifies the image'),
        matchOnDescription: true,
      },
    );
    chosen = picked?.service;
  }
  if (chosen) await rememberService(memento, chosen.name);
  return chosen?.name;
}
