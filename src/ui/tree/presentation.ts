/**
 * How models and services look in the Workspaces tree: order, labels, descriptions,
 * tooltips, icons and the `contextValue`s the manifest's `viewItem` menus match. Kept free of
 * `vscode` so plain-Node unit tests cover it; the node classes turn it into TreeItems.
 */
import { plainNotificationText } from '../../common/displayText';
import { formatBytes } from '../../common/formatBytes';
import type { ModelInfo, ServiceInfo, ServiceState } from '../../workspaces/workspace';
import type { Localize } from '../localize';
import { formatMessage } from '../localize';

/** A codicon id and, where the state deserves one, a theme colour id. */
export interface IconSpec {
  id: string;
  color?: string;
}

const SERVICE_ICONS: Readonly<Record<ServiceState, IconSpec>> = {
  Transitioning: { id: 'sync~spin' },
  Healthy: { id: 'pass', color: 'charts.green' },
  Failed: { id: 'error', color: 'charts.red' },
  Deleting: { id: 'trash' },
};

/** Group nodes are `group.*`, so no item menu (`viewItem =~ /^service/`, `/^model/`) lands on them. */
export const WORKSPACE_CONTEXT = { local: 'workspace.local', azure: 'workspace.azure' } as const;
/** The root of a provider users sign in to, before and after signing in. */
export const PROVIDER_CONTEXT = { signedOut: 'provider.azure', signedIn: 'provider.azure.signedIn' } as const;
export const MESSAGE_CONTEXT = 'message';
export const GROUP_CONTEXT = { models: 'group.models', services: 'group.services' } as const;
export const MODEL_CONTEXT = 'model';
export const ERROR_CONTEXT = 'error';

/** `service.healthy`, `service.transitioning`, …: menus match `viewItem =~ /^service/`. */
export function serviceContextValue(state: ServiceState): string {
  return `service.${state.toLowerCase()}`;
}

/**
 * A Healthy service on generated weights answers with meaningless classes: it must not look
 * like a real one, so it gets a hollow, yellow circle instead of the green check.
 */
const SYNTHETIC_HEALTHY: IconSpec = { id: 'circle-large-outline', color: 'charts.yellow' };

export function serviceIcon(service: Pick<ServiceInfo, 'state' | 'synthetic'>): IconSpec {
  return service.state === 'Healthy' && service.synthetic === true ? SYNTHETIC_HEALTHY : SERVICE_ICONS[service.state];
}

/** "real weights", "generated weights", or undefined while the service has not loaded its model. */
export function weightsLabel(synthetic: boolean | null | undefined, t: Localize = formatMessage): string | undefined {
  if (synthetic === null || synthetic === undefined) return undefined;
  return synthetic ? t('generated weights') : t('real weights');
}

/** States that change by themselves, so the tree keeps polling while one is shown. */
export function isSettling(state: ServiceState): boolean {
  return state === 'Transitioning' || state === 'Deleting';
}

export function anySettling(services: readonly ServiceInfo[]): boolean {
  return services.some((s) => isSettling(s.state));
}

/**
 * What the Services group shows: the listed services, those this window is deleting shown
 * Deleting, and the names of those it is deploying that the host does not list yet.
 */
export function withPending(
  services: readonly ServiceInfo[],
  pending: ReadonlyMap<string, 'Transitioning' | 'Deleting'>,
): { services: ServiceInfo[]; deploying: string[] } {
  const listed = new Set(services.map((s) => s.name));
  return {
    services: services.map((s) => (pending.get(s.name) === 'Deleting' ? { ...s, state: 'Deleting' as const } : s)),
    deploying: [...pending].filter(([name, state]) => state === 'Transitioning' && !listed.has(name)).map(([name]) => name).sort(),
  };
}

/**
 * Real-weights services first (the pick pre-selects the first item, and a generated-weights
 * service's classes are meaningless), the one used last first within its group, then by name.
 */
export function orderForPick<T extends Pick<ServiceInfo, 'name' | 'synthetic'>>(services: readonly T[], previous: string | undefined): T[] {
  return [...services].sort(
    (a, b) => Number(a.synthetic === true) - Number(b.synthetic === true) || Number(b.name === previous) - Number(a.name === previous) || a.name.localeCompare(b.name),
  );
}

export function sortServices(services: readonly ServiceInfo[]): ServiceInfo[] {
  return [...services].sort((a, b) => a.name.localeCompare(b.name));
}

/** By name, then newest version first: the version a user deploys is usually the latest. */
export function sortModels(models: readonly ModelInfo[]): ModelInfo[] {
  return [...models].sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
}

export function modelLabel(model: ModelInfo): string {
  return `${model.name}:${model.version}`;
}

/** Local time, minutes precision: enough to tell two registrations apart. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function modelDescription(model: ModelInfo): string {
  return model.size === null ? formatDate(model.created) : `${formatBytes(model.size)} · ${formatDate(model.created)}`;
}

export function modelTooltip(model: ModelInfo, t: Localize = formatMessage): string {
  const stages = model.stages.map((stage, i) => {
    const ref = stage.model_ref ? ` — ${stage.model_ref}` : '';
    return `  ${i + 1}. ${stage.name} (${stage.type})${ref}`;
  });
  return [
    t('Model {0}', model.id),
    ...(model.size === null ? [] : [t('Size: {0}', formatBytes(model.size))]),
    t('Registered: {0}', formatDate(model.created)),
    ...(model.sha256 === null ? [] : [t('SHA-256: {0}', model.sha256)]),
    t('Stages:'),
    ...stages,
  ].join('\n');
}

/** The model, the weights it runs on (once known), the state when it is not Healthy, and the URI. */
export function serviceDescription(service: ServiceInfo, t: Localize = formatMessage): string {
  const weights = weightsLabel(service.synthetic, t);
  const state = service.state === 'Healthy' ? undefined : service.state;
  return [service.model, weights, state, service.scoring_uri].filter((part): part is string => part !== undefined).join(' · ');
}

export function serviceTooltip(service: ServiceInfo, t: Localize = formatMessage): string {
  const lines = [
    t('Service {0}: {1}', service.name, service.state),
    t('Model: {0}', service.model),
    t('Scoring URI: {0}', service.scoring_uri),
  ];
  // Each model stage's engine, and why it runs there when that is not the obvious place (a fallback, an int8 scheme).
  if (service.engines) {
    for (const [stage, info] of Object.entries(service.engines)) {
      lines.push(t('Stage {0}: {1} {2}', plainNotificationText(stage), info.engine, info.precision) + (info.note ? ` (${plainNotificationText(info.note)})` : ''));
    }
  } else if (service.backend !== null) lines.push(t('Backend: {0}', service.backend));
  if (service.precision !== null) lines.push(t('Precision: {0}', service.precision));
  if (service.synthetic !== null) {
    lines.push(service.synthetic ? t('Weights: generated (real timings, meaningless classes)') : t('Weights: real (pretrained)'));
  }
  if (service.error) lines.push(t('Last error: {0}', plainNotificationText(service.error)));
  // What a client needs besides the URI: how to send the key and the image, and where to get a ready request.
  lines.push(
    '',
    t('Calling it: POST to the scoring URI with the header "Authorization: Bearer <primary or secondary key>" and an Open Inference Protocol v2 body (input "image", BYTES, base64; output "scores" with parameters.classification = k for the top k).'),
    t('Right-click › Copy Sample Request for a curl command or a Python script with the key filled in.'),
  );
  return lines.join('\n');
}

/** "1 service", "3 services": the count the Services group and the status bar show. */
export function serviceCount(count: number, t: Localize = formatMessage): string {
  return count === 1 ? t('1 service') : t('{0} services', count);
}
