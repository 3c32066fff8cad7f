/**
 * Everything a test of the Azure workspace needs, started together and stopped together:
 * a TLS certificate, Azurite, the fake ARM + authority (fakeArm.ts) and the model servers
 * its deployments run. `environment()` gives what a child `fpga` process needs to sign in
 * with a client secret against the fake authority and trust its certificate.
 *
 * Reused by the VS Code integration tier through fakeAzureServer.ts (a standalone launcher).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from './azurite';
import type { Azurite } from './azurite';
import { DATASTORE_CONTAINER, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeArm, workspaceId } from './fakeArm';
import type { FakeArmOptions } from './fakeArm';
import { InferenceBackend } from './inferenceBackend';
import { createTlsCertificate } from './tlsCertificate';
import type { TlsCertificate } from './tlsCertificate';

export interface FakeAzureOptions extends Pick<FakeArmOptions, 'pageSize' | 'pollsUntilDone' | 'retryAfterSeconds'> {
  /** Featurizer weights for the served models (the shared model store in tests). */
  modelStore?: string;
  /** Fixed ports, for the standalone launcher; 0 picks free ones. */
  armPort?: number;
  azuritePort?: number;
}

export interface FakeAzure {
  arm: FakeArm;
  azurite: Azurite;
  certificate: TlsCertificate;
  /** The default workspace's resource id. */
  workspaceId: string;
  /** Folder of the certificate and the model servers' state; removed by close(). */
  folder: string;
  /** A credential for in-process use: tokens from the fake authority, no msal involved. */
  credential: TokenCredential;
  /** Environment of a child `fpga` process: the service principal, the CA, a private settings file. */
  environment(): Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const folder = mkdtempSync(join(tmpdir(), 'azure-fake-'));
  const certificate = createTlsCertificate(folder);
  const azurite = await startAzurite(options.azuritePort ?? 0);
  // A workspace's default datastore container exists from the workspace's creation on.
  await new ContainerClient(`${azurite.blobEndpoint}/${DATASTORE_CONTAINER}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).create();
  const backend = new InferenceBackend({ stateDir: join(folder, 'inference-servers'), ...(options.modelStore ? { modelStore: options.modelStore } : {}) });
  const arm = new FakeArm({ certificate, azuriteHost: azurite.host, backend, ...options });
  await arm.listen(options.armPort ?? 0);
  const credential = tokenCredential(arm, certificate);
  return {
    arm,
    azurite,
    certificate,
    workspaceId: workspaceId(),
    folder,
    credential,
    environment: () => ({
      AZURE_TENANT_ID: FAKE_TENANT,
      AZURE_CLIENT_ID: FAKE_CLIENT_ID,
      AZURE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      FPGA_AZURE_CONFIG: join(folder, 'azure.json'),
    }),
    async close() {
      await arm.close();
      await backend.close();
      await azurite.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Client-credentials tokens straight from the fake authority, trusting its certificate
 * explicitly: this process started before the certificate existed, so NODE_EXTRA_CA_CERTS
 * cannot help it (child processes get it instead).
 */
function tokenCredential(arm: FakeArm, certificate: TlsCertificate): TokenCredential {
  return {
    async getToken(scopes) {
      const { request } = await import('node:https');
      const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET, scope: [scopes].flat().join(' ') }).toString();
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(`${arm.authorityHost}/${FAKE_TENANT}/oauth2/v2.0/token`, { method: 'POST', ca: certificate.cert, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end(body);
      });
      const { access_token: token, expires_in: expiresIn } = JSON.parse(text) as { access_token: string; expires_in: number };
      return { token, expiresOnTimestamp: Date.now() + expiresIn * 1000 };
    },
  };
}
