/**
 * The Azure Resource Manager API versions and resource paths this workspace speaks. One
 * place, so that moving to a newer stable api-version is one edit (check the request and
 * response shapes in the specification's `stable/<version>/mfe.json` first).
 */

/** Microsoft.MachineLearningServices, stable (workspaces, models, datastores, environments, online endpoints). */
export const ML_API_VERSION = '2025-09-01';
/** Microsoft.Resources subscriptions, stable. */
export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

/** The parts of a workspace's ARM resource id. */
export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

const WORKSPACE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)$/i;

/** The workspace a resource id names, or undefined when it is not a workspace id. */
export function parseWorkspaceId(id: string): WorkspaceRef | undefined {
  const match = WORKSPACE_ID.exec(id.trim().replace(/\/+$/, ''));
  if (!match) return undefined;
  return { subscriptionId: decodeURIComponent(match[1]!), resourceGroup: decodeURIComponent(match[2]!), workspaceName: decodeURIComponent(match[3]!) };
}

export function workspacePath(ref: WorkspaceRef): string {
  return (
    `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ref.workspaceName)}`
  );
}

/** The segment after `/resourceGroups/` of any ARM id, for listings that only carry ids. */
export function resourceGroupOf(id: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
}
