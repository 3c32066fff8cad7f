/** host.log, read without VS Code: the lines that name a service (for Show Log), the last line, and rotation. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostLogLinesAbout, hostLogPath, lastHostLogLine, readHostLogLines, rotateHostLog } from '../../src/workspaces/local/hostLog';
import { tempDir } from './helpers/fixtures';

const LOG = [
  '2026-11-30T09:00:00.000Z host dev listening on http://127.0.0.1:40000 (pid 1, engine auto, state /s, model store /m)',
  '2026-11-30T09:00:01.000Z service cats: Transitioning (model mobilenet-imagenet:1)',
  '2026-11-30T09:00:01.100Z service cats-2: Transitioning (model mobilenet-imagenet:1)',
  '2026-11-30T09:00:02.000Z service cats: Healthy (engine onnxruntime)',
  '2026-11-30T09:00:03.000Z POST /v2/models/cats/classify 200 31.2 ms',
  '',
  '2026-11-30T09:00:04.000Z POST /v2/models/cats-2/classify 200 28.0 ms',
  '2026-11-30T09:00:05.000Z service scats: Failed: no weights',
].join('\n');

test('the lines naming a service are those with its name as a whole word, oldest first; tail keeps the last ones', async () => {
  const state = tempDir('fpga-host-log-');
  writeFileSync(hostLogPath(state), LOG + '\n');
  const cats = await hostLogLinesAbout(state, 'cats');
  assert.deepEqual(cats.map((line) => line.slice(0, 24)), ['2026-11-30T09:00:01.000Z', '2026-11-30T09:00:02.000Z', '2026-11-30T09:00:03.000Z']);
  assert.equal((await hostLogLinesAbout(state, 'cats-2')).length, 2);
  assert.deepEqual(await hostLogLinesAbout(state, 'cats', { tail: 1 }), [cats[2]]);
  assert.deepEqual(await hostLogLinesAbout(state, 'dogs'), []);
  assert.match((await lastHostLogLine(state)) ?? '', /scats: Failed/);
});

test('no log yet reads as no lines', async () => {
  const state = tempDir('fpga-host-log-');
  assert.deepEqual(await hostLogLinesAbout(state, 'cats'), []);
  assert.equal(await lastHostLogLine(state), undefined);
});

test('a log larger than what is read starts at a whole line', async () => {
  const state = tempDir('fpga-host-log-');
  const line = `2026-11-30T09:00:00.000Z service cats: ${'x'.repeat(200)}`;
  writeFileSync(hostLogPath(state), Array.from({ length: 45_000 }, () => line).join('\n') + '\n');
  const lines = await readHostLogLines(state);
  assert.ok(lines.length < 45_000 && lines.length > 30_000, `${lines.length} lines`);
  assert.ok(lines.every((l) => l === line));
});

test('a log past 10 MiB is set aside as host.log.1 before the next host appends', async () => {
  const state = tempDir('fpga-host-log-');
  writeFileSync(hostLogPath(state), 'small\n');
  await rotateHostLog(state);
  assert.equal(readFileSync(hostLogPath(state), 'utf8'), 'small\n');
  writeFileSync(hostLogPath(state), Buffer.alloc(11 * 1024 * 1024, 'a'));
  await rotateHostLog(state);
  assert.ok(!existsSync(hostLogPath(state)));
  assert.equal(statSync(join(state, 'host.log.1')).size, 11 * 1024 * 1024);
});
