import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkspaceProviders } from '../../src/workspaces/registry';
import type { WorkspaceEntry, WorkspaceProvider } from '../../src/workspaces/registry';
import type { Workspace, WorkspaceKind } from '../../src/workspaces/workspace';
import { WorkspaceError, errorKindOfStatus, isWorkspaceError } from '../../src/workspaces/workspaceError';

/** Only what the registry reads of a workspace: its id, kind and label. */
function workspace(id: string, kind: WorkspaceKind): Workspace {
  return { id, kind, label: id } as unknown as Workspace;
}

function provider(kind: WorkspaceKind, list: () => Promise<WorkspaceEntry[]>, counter?: { calls: number }): WorkspaceProvider {
  return {
    kind,
    label: kind,
    ownsWorkspace: (id) => (kind === 'local' ? id === 'local' : id.startsWith('/subscriptions/')),
    listWorkspaces: () => {
      if (counter) counter.calls++;
      return list();
    },
  };
}

const AZURE_ID = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws';

describe('workspace providers', () => {
  test('a provider that cannot list (not signed in) hides no other', async () => {
    const providers = new WorkspaceProviders([
      provider('local', () => Promise.resolve([{ workspace: workspace('local', 'local') }])),
      provider('azure', () => Promise.reject(new WorkspaceError('unauthorized', 'sign in to Azure'))),
    ]);
    const listings = await providers.listAll();
    assert.equal(listings.length, 2);
    assert.ok('entries' in listings[0]! && listings[0].entries.length === 1);
    assert.ok('error' in listings[1]! && isWorkspaceError(listings[1].error, 'unauthorized'));
    assert.deepEqual((await providers.workspaces()).map((entry) => entry.workspace.id), ['local']);
  });

  test('when no provider can list, the first failure is what the caller sees', async () => {
    const providers = new WorkspaceProviders([provider('azure', () => Promise.reject(new WorkspaceError('unauthorized', 'sign in to Azure')))]);
    await assert.rejects(providers.workspaces(), /sign in to Azure/);
  });

  test('a lookup by id asks only the provider that owns the id', async () => {
    const local = { calls: 0 };
    const azure = { calls: 0 };
    const providers = new WorkspaceProviders([
      provider('local', () => Promise.resolve([{ workspace: workspace('local', 'local') }]), local),
      provider('azure', () => Promise.resolve([{ workspace: workspace(AZURE_ID, 'azure'), group: 'Pay-As-You-Go' }]), azure),
    ]);
    assert.equal((await providers.byId(AZURE_ID)).id, AZURE_ID);
    assert.deepEqual([local.calls, azure.calls], [0, 1]);
    await assert.rejects(providers.byId(`${AZURE_ID}-gone`), (error: unknown) => isWorkspaceError(error, 'not_found') && /sign in with the account/.test(error.message));
  });

  test('one provider per kind', () => {
    const providers = new WorkspaceProviders([provider('local', () => Promise.resolve([]))]);
    assert.throws(() => providers.add(provider('local', () => Promise.resolve([]))), /registered already/);
  });

  test('HTTP statuses map to kinds a caller can act on', () => {
    assert.deepEqual(
      [401, 403, 404, 409, 412, 429, 500, 503, 400, 413, 200].map(errorKindOfStatus),
      ['unauthorized', 'unauthorized', 'not_found', 'conflict', 'conflict', 'throttled', 'unavailable', 'unavailable', 'bad_request', 'bad_request', undefined],
    );
  });
});
