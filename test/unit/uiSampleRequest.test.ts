/**
 * Copy Sample Request (src/ui/sampleRequest.ts): the curl command and the Python script it
 * copies are run, as a user would paste them, against a real local host serving MobileNet.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startHost } from '../../src/service/host';
import { sampleRequest } from '../../src/ui/sampleRequest';
import type { ServiceInfo } from '../../src/workspaces/workspace';
import { tempDir } from './helpers/fixtures';
import { Admin, IMAGES_DIR, MODEL_STORE, exampleZip } from './helpers/serviceHelpers';

const run = promisify(execFile);
/** ImageNet's tabby, tiger cat and Egyptian cat. */
const CAT_CLASSES = ['281', '282', '285'];

void describe('sample request', () => {
  let host: Awaited<ReturnType<typeof startHost>>;
  let service: ServiceInfo;
  let key: string;
  const scratch = tempDir('fpga-sample-');

  before(async () => {
    host = await startHost({ stateDir: tempDir('fpga-host-'), modelStore: MODEL_STORE, log: () => undefined });
    const admin = new Admin(host.url, host.adminToken);
    const { id } = await admin.registerModel(await exampleZip());
    await admin.deploy('cats', id);
    service = await admin.settled('cats', 60_000);
    assert.equal(service.state, 'Healthy', service.error ?? '');
    key = (await admin.keys('cats')).primary;
  });

  after(async () => {
    await host?.close();
  });

  const input = (): Parameters<typeof sampleRequest>[1] => ({ service, workspaceLabel: 'Local (this machine)', key, top: 3, imagePath: join(IMAGES_DIR, 'cat.bmp') });

  void it('curl: the copied command classifies the image with the top 3', async () => {
    const script = join(scratch, 'sample.sh');
    writeFileSync(script, sampleRequest('curl', input()));
    const { stdout } = await run('bash', [script]);
    const reply = JSON.parse(stdout) as { outputs: { name: string; data: string[] }[] };
    const data = reply.outputs[0]?.data ?? [];
    assert.equal(data.length, 3);
    assert.ok(data.some((entry) => CAT_CLASSES.includes(entry.split(':')[1] ?? '')), stdout);
  });

  void it('Python: the copied script prints the top 3 with a cat class', async () => {
    const script = join(scratch, 'sample.py');
    writeFileSync(script, sampleRequest('python', input()));
    const { stdout } = await run('python3', [script]);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 3, stdout);
    assert.ok(lines.some((line) => CAT_CLASSES.some((c) => line.includes(` ${c}  `))), stdout);
  });

  void it('names the service, its real URL and key header, and warns about generated weights', () => {
    const text = sampleRequest('curl', { ...input(), service: { ...service, synthetic: true }, imagePath: "it's.jpg" });
    assert.ok(text.includes(`URL='${service.scoring_uri}'`));
    assert.ok(text.includes('Authorization: Bearer $KEY'));
    assert.ok(text.includes(`IMAGE='it'\\''s.jpg'`), 'the path is quoted for the shell');
    assert.match(text, /generated weights/);
    assert.doesNotMatch(sampleRequest('python', input()), /generated weights/);
  });
});
