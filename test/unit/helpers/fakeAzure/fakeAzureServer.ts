/**
 * Standalone launcher of the fake Azure (for the VS Code integration tier, or by hand):
 *
 *   npm run build && npx tsc -p . && node out/test/unit/helpers/fakeAzure/fakeAzureServer.js [--port P] [--azurite-port Q] [--model-store DIR]
 *
 * Starts Azurite, the fake ARM + authority (HTTPS, self-signed) and prints one JSON line:
 * {"armEndpoint","authorityHost","tenantId","clientId","clientSecret","caCertPath","workspaceId","blobEndpoint"}.
 * Start clients with NODE_EXTRA_CA_CERTS=<caCertPath> and AZURE_TENANT_ID / AZURE_CLIENT_ID /
 * AZURE_CLIENT_SECRET set, and `--arm-endpoint`/`--authority-host` (or the extension's
 * settings) pointing at it. Runs until SIGINT or SIGTERM, then stops everything it started
 * and removes its temporary folder.
 */
import { parseArgs } from 'node:util';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT } from './fakeArm';
import { startFakeAzure } from './fakeAzure';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'azurite-port': { type: 'string' }, 'model-store': { type: 'string' } } });
  const fake = await startFakeAzure({
    armPort: Number(values.port ?? 0),
    azuritePort: Number(values['azurite-port'] ?? 0),
    ...(values['model-store'] ? { modelStore: values['model-store'] } : {}),
  });
  process.stdout.write(
    JSON.stringify({
      armEndpoint: fake.arm.url,
      authorityHost: fake.arm.authorityHost,
      tenantId: FAKE_TENANT,
      clientId: FAKE_CLIENT_ID,
      clientSecret: FAKE_CLIENT_SECRET,
      caCertPath: fake.certificate.certPath,
      workspaceId: fake.workspaceId,
      blobEndpoint: fake.azurite.blobEndpoint,
    }) + '\n',
  );
  const stop = (): void => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`fake Azure: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
