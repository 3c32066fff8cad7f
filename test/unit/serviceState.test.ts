/** The host's state folder, keys and routing, without HTTP or models. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UserError } from '../../src/common/errors';
import { writeFileAtomic } from '../../src/common/atomicFile';
import { HttpError } from '../../src/service/httpError';
import { bearerToken, matchesServiceKey, newSecret, newServiceKeys, secretMatches } from '../../src/service/keys';
import { Router } from '../../src/service/router';
import { StateStore } from '../../src/service/stateStore';
import type { ModelRecord } from '../../src/service/stateStore';
import { tempDir } from './helpers/fixtures';

function model(name: string, version: number, sha = 'a'.repeat(64)): ModelRecord {
  return { id: `${name}:${version}`, name, version, sha256: sha, size: 3, created: new Date(0).toISOString(), stages: [{ name: 'preprocess', type: 'preprocess' }] };
}

describe('state store', () => {
  test('transactions persist atomically and survive reopening', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    await store.transaction(async (draft) => {
      await store.storeZip('a'.repeat(64), Buffer.from('zip'));
      draft.models.push(model('m', 1));
      draft.lastVersions.m = 1;
    });
    await store.transaction((draft) => {
      draft.services.push({ name: 'cats', modelId: 'm:1', keys: newServiceKeys(), created: 'now' });
    });
    assert.equal(statSync(store.statePath).mode & 0o777, 0o600);
    const reopened = await StateStore.open(dir);
    assert.deepEqual(reopened.state, store.state);
    assert.equal(readFileSync(reopened.zipPath('a'.repeat(64)), 'utf8'), 'zip');
  });

  test('a transaction that throws changes nothing, and later ones still run', async () => {
    const store = await StateStore.open(tempDir());
    await assert.rejects(
      store.transaction((draft) => {
        draft.models.push(model('m', 1));
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(store.state.models.length, 0);
    await store.transaction((draft) => void draft.models.push(model('n', 1)));
    assert.equal(store.state.models.length, 1);
  });

  test('concurrent transactions run one after another (no lost update)', async () => {
    const store = await StateStore.open(tempDir());
    await Promise.all(
      Array.from({ length: 10 }, () =>
        store.transaction(async (draft) => {
          const version = (draft.lastVersions.m ?? 0) + 1;
          await new Promise((resolve) => setTimeout(resolve, 1));
          draft.models.push(model('m', version, String(version).padStart(64, '0')));
          draft.lastVersions.m = version;
        }),
      ),
    );
    assert.deepEqual(
      store.state.models.map((m) => m.version),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  test('opening removes leftovers of interrupted writes and unreferenced zips', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    await store.transaction(async (draft) => {
      await store.storeZip('a'.repeat(64), Buffer.from('kept'));
      draft.models.push(model('m', 1));
    });
    writeFileSync(join(dir, 'models', `${'b'.repeat(64)}.zip`), 'orphan');
    writeFileSync(join(dir, 'models', `.x.zip.123.tmp`), 'partial');
    writeFileSync(join(dir, '.state.json.abc.tmp'), 'partial');
    await StateStore.open(dir);
    assert.deepEqual(readdirSync(join(dir, 'models')), [`${'a'.repeat(64)}.zip`]);
    assert.ok(!readdirSync(dir).some((name) => name.endsWith('.tmp')));
  });

  test('a damaged state file is refused with what to do, never silently emptied', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state.json'), '{"format": 1, "models": [{"id": 3}], "services": []}');
    await assert.rejects(StateStore.open(dir), (error: unknown) => error instanceof UserError && /state\.json is damaged \(models\[0\]\.\w+ is missing or has the wrong type\); move it away/.test(error.message));
  });

  test('writeFileAtomic replaces the whole file with the mode asked for', async () => {
    const path = join(tempDir(), 'f.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two', 0o640);
    assert.equal(readFileSync(path, 'utf8'), 'two');
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });
});

describe('keys', () => {
  test('secrets are 32 random bytes in base64url', () => {
    const secret = newSecret();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(secret, 'base64url').length, 32);
    assert.notEqual(newSecret(), secret);
  });

  test('bearer tokens and comparisons', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
    assert.ok(secretMatches('same', 'same'));
    assert.ok(!secretMatches('same', 'same but longer'));
    const keys = newServiceKeys();
    assert.ok(matchesServiceKey(keys.primary, keys));
    assert.ok(matchesServiceKey(keys.secondary, keys));
    assert.ok(!matchesServiceKey(newSecret(), keys));
    assert.ok(!matchesServiceKey(undefined, keys));
  });
});

describe('router', () => {
  const router = new Router().add('GET', '/v2/models/:name', () => undefined).add('POST', '/v2/models/:name/infer', () => undefined);

  test('matches and decodes path parameters', () => {
    assert.deepEqual(router.resolve('GET', '/v2/models/a%3A1').params, { name: 'a:1' });
    assert.deepEqual(router.resolve('HEAD', '/v2/models/x').params, { name: 'x' });
  });

  test('405 with Allow for a known path, 404 otherwise, 400 for bad escapes', () => {
    assert.throws(
      () => router.resolve('GET', '/v2/models/x/infer'),
      (error: unknown) => error instanceof HttpError && error.status === 405 && error.headers.Allow === 'POST',
    );
    assert.throws(() => router.resolve('GET', '/nothing'), (error: unknown) => error instanceof HttpError && error.status === 404);
    assert.throws(() => router.resolve('GET', '/v2/models/%E0%A4%A'), (error: unknown) => error instanceof HttpError && error.status === 400);
  });
});
