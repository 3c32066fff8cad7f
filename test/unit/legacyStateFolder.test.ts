/** An earlier version's Local workspace (in the extension's own storage) moves, once, to the folder the CLI shares. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockStateFolder } from '../../src/service/stateLock';
import { moveLegacyStateFolder } from '../../src/workspaces/local/savedState';
import { tempDir } from './helpers/fixtures';

function legacyFolder(): string {
  const legacy = join(tempDir('fpga-legacy-'), 'globalStorage', 'local-host');
  mkdirSync(join(legacy, 'models'), { recursive: true });
  writeFileSync(join(legacy, 'state.json'), '{"format":1,"models":[],"services":[],"lastVersions":{}}\n');
  return legacy;
}

test('moves the old folder to the shared one when that does not exist yet', async () => {
  const legacy = legacyFolder();
  const shared = join(tempDir('fpga-legacy-'), '.fpga', 'local-host');
  assert.equal(await moveLegacyStateFolder(legacy, shared), true);
  assert.ok(!existsSync(legacy));
  assert.match(readFileSync(join(shared, 'state.json'), 'utf8'), /"format":1/);
  assert.equal(await moveLegacyStateFolder(legacy, shared), false, 'once');
});

test('leaves both alone when the shared folder exists, or a host still runs on the old one', async () => {
  const legacy = legacyFolder();
  const shared = tempDir('fpga-legacy-');
  assert.equal(await moveLegacyStateFolder(legacy, shared), false);
  assert.ok(existsSync(join(legacy, 'state.json')));

  const lock = await lockStateFolder(legacy);
  try {
    assert.equal(await moveLegacyStateFolder(legacy, join(shared, 'new')), false);
    assert.ok(existsSync(join(legacy, 'state.json')));
  } finally {
    await lock.release();
  }
});

test('an old folder without state is not moved', async () => {
  const legacy = join(tempDir('fpga-legacy-'), 'local-host');
  mkdirSync(legacy);
  const shared = join(tempDir('fpga-legacy-'), 'local-host');
  assert.equal(await moveLegacyStateFolder(legacy, shared), false);
  assert.ok(!existsSync(shared));
});
