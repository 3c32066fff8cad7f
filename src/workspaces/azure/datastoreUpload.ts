/**
 * Uploads a model_def.zip to the workspace's default blob datastore, as Azure ML's own
 * clients do: the datastore names the storage account and container, `listSecrets` gives
 * its account key or SAS token, and @azure/storage-blob does the upload.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { WorkspaceError, errorKindOfStatus } from '../workspaceError';
import type { ArmClient } from './armClient';

export interface BlobDatastore {
  /** The datastore's name, e.g. workspaceblobstore. */
  name: string;
  accountName: string;
  containerName: string;
  /** Storage suffix of the cloud (core.windows.net), or host:port of an emulator. */
  endpoint: string;
  protocol: string;
}

interface DatastoreResource {
  name: string;
  properties: { datastoreType?: string; accountName?: string; containerName?: string; endpoint?: string; protocol?: string };
}

type DatastoreSecrets = { secretsType: 'AccountKey'; key: string } | { secretsType: 'Sas'; sasToken: string } | { secretsType: string };

export async function defaultBlobDatastore(arm: ArmClient, workspacePath: string, workspaceName: string, signal?: AbortSignal): Promise<BlobDatastore> {
  const what = `the default datastore of workspace ${workspaceName}`;
  const datastores = await arm.listAll<DatastoreResource>({ method: 'GET', path: `${workspacePath}/datastores`, query: { isDefault: 'true' }, what, signal });
  const found = datastores.find((d) => d.properties.datastoreType === 'AzureBlob');
  const { accountName, containerName } = found?.properties ?? {};
  if (!found || !accountName || !containerName) {
    throw new WorkspaceError('bad_request', `workspace ${workspaceName} has no default Azure Blob datastore to upload models to: set one in Azure ML studio (Data → Datastores)`);
  }
  return { name: found.name, accountName, containerName, endpoint: found.properties.endpoint ?? 'core.windows.net', protocol: found.properties.protocol ?? 'https' };
}

export async function uploadToDatastore(
  arm: ArmClient,
  workspacePath: string,
  datastore: BlobDatastore,
  blobPath: string,
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const secrets = await arm.json<DatastoreSecrets>({
    method: 'POST',
    path: `${workspacePath}/datastores/${encodeURIComponent(datastore.name)}/listSecrets`,
    what: `the credentials of datastore ${datastore.name}`,
    signal,
  });
  const container = containerClient(datastore, secrets);
  try {
    await container.getBlockBlobClient(blobPath).uploadData(bytes, {
      blobHTTPHeaders: { blobContentType: 'application/zip' },
      ...(signal ? { abortSignal: signal } : {}),
    });
  } catch (error) {
    throw storageError(error, datastore, signal);
  }
}

/** The blob service URL: `<account>.blob.<suffix>`, or path-style for an emulator at host:port (Azurite). */
export function blobServiceUrl(datastore: BlobDatastore): string {
  const emulator = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d+)?$/i.test(datastore.endpoint);
  return emulator ? `${datastore.protocol}://${datastore.endpoint}/${datastore.accountName}` : `${datastore.protocol}://${datastore.accountName}.blob.${datastore.endpoint}`;
}

function containerClient(datastore: BlobDatastore, secrets: DatastoreSecrets): ContainerClient {
  const url = `${blobServiceUrl(datastore)}/${encodeURIComponent(datastore.containerName)}`;
  if (secrets.secretsType === 'AccountKey' && 'key' in secrets) return new ContainerClient(url, new StorageSharedKeyCredential(datastore.accountName, secrets.key));
  if (secrets.secretsType === 'Sas' && 'sasToken' in secrets) return new ContainerClient(`${url}?${secrets.sasToken.replace(/^\?/, '')}`);
  throw new WorkspaceError(
    'bad_request',
    `datastore ${datastore.name} uses ${secrets.secretsType} credentials; uploading needs an account key or SAS datastore (identity-based datastores are not supported yet)`,
  );
}

function storageError(error: unknown, datastore: BlobDatastore, signal: AbortSignal | undefined): WorkspaceError {
  const where = `storage account ${datastore.accountName} (datastore ${datastore.name})`;
  if (signal?.aborted) return new WorkspaceError('cancelled', `uploading the model to ${where}: cancelled`);
  if (isRestError(error) && error.statusCode) {
    const kind = errorKindOfStatus(error.statusCode) ?? 'unavailable';
    const reason = error.code ?? `HTTP ${error.statusCode}`;
    const advice = error.statusCode === 403 ? ': the datastore\'s credentials were refused (rotated keys or an expired SAS; update the datastore)' : '';
    return new WorkspaceError(kind, `uploading the model to ${where} failed: ${reason}${advice}`, error.statusCode);
  }
  const code = isRestError(error) ? error.code : undefined;
  return new WorkspaceError('unavailable', `cannot reach ${where} at ${blobServiceUrl(datastore)}: ${code ?? (error instanceof Error ? error.message : String(error))}`);
}
