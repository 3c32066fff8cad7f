/**
 * Weight downloads against a local HTTP server on 127.0.0.1 (this machine has no way out):
 * progress, resuming a cut download with a Range request, servers that ignore Range, a
 * checksum mismatch that leaves nothing behind, and failing fast when nobody answers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { PARTIAL_SUFFIX, downloadVerified, pullFeaturizer, recordSha256 } from '../../src/runtime/featurizers/pull';
import type { DownloadProgress } from '../../src/runtime/featurizers/pull';
import { formatProgress, progressPrinter } from '../../src/runtime/featurizers/pullProgress';
import { readSha256File } from '../../src/runtime/featurizers/storeStatus';
import { tempDir } from './helpers/fixtures';

const SIZE = 2 * 1024 * 1024 + 123;
/** Deterministic, incompressible-looking bytes, so a misplaced byte changes the hash. */
const CONTENT = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 2654435761) >>> 24));
const MD5 = createHash('md5').update(CONTENT).digest('hex');
const SHA256 = createHash('sha256').update(CONTENT).digest('hex');

interface Behaviour {
  /** On the first request only: send this many bytes, then destroy the socket. */
  cutAfter?: number;
  /** Answer 200 with the whole file whatever the Range header says. */
  ignoreRange?: boolean;
}

let server: Server;
let base: string;
let behaviour: Behaviour = {};
let requests: { url: string; range: string | undefined }[] = [];

function serve(request: IncomingMessage, response: ServerResponse): void {
  const first = requests.length === 0;
  requests.push({ url: request.url ?? '', range: request.headers.range });
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  const start = range && !behaviour.ignoreRange ? Number(range[1]) : 0;
  const body = CONTENT.subarray(start);
  response.writeHead(start > 0 ? 206 : 200, {
    'content-length': String(body.length),
    ...(start > 0 ? { 'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}` } : {}),
  });
  if (first && behaviour.cutAfter !== undefined) {
    // Flushed first, then cut: the client keeps what it got, as after a dropped connection.
    response.write(body.subarray(0, behaviour.cutAfter), () => setTimeout(() => request.socket.destroy(), 20));
    return;
  }
  response.end(body);
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

before(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  behaviour = {};
  requests = [];
});

describe('downloadVerified', () => {
  test('reports increasing progress and renames a verified file into place', async () => {
    const destination = join(tempDir(), 'weights.h5');
    const events: DownloadProgress[] = [];
    const result = await downloadVerified({ url: `${base}/weights.h5`, destination, expected: { md5: MD5 }, onProgress: (p) => events.push(p) });
    assert.ok(events.length >= 2, `progress events: ${events.length}`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.received > events[i - 1]!.received, 'bytes increase');
    assert.equal(events.at(-1)?.received, SIZE);
    assert.ok(events.every((e) => e.total === SIZE && e.file === 'weights.h5'));
    assert.deepEqual(readFileSync(destination), CONTENT);
    assert.equal(existsSync(destination + PARTIAL_SUFFIX), false);
    assert.deepEqual({ size: result.size, md5: result.md5, sha256: result.sha256, resumedFrom: result.resumedFrom }, { size: SIZE, md5: MD5, sha256: SHA256, resumedFrom: 0 });
  });

  test('resumes a cut connection with a Range request', async () => {
    behaviour = { cutAfter: 700_000 };
    const destination = join(tempDir(), 'weights.h5');
    await downloadVerified({ url: `${base}/weights.h5`, destination, expected: { sha256: SHA256 } });
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.range, undefined);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]?.range ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 700_000, `Range header: ${requests[1]?.range}`);
    assert.deepEqual(readFileSync(destination), CONTENT);
    assert.equal(existsSync(destination + PARTIAL_SUFFIX), false);
  });

  test('an interrupted run keeps its .partial and the next run resumes from it', async () => {
    behaviour = { cutAfter: 1_000_000 };
    const destination = join(tempDir(), 'weights.h5');
    await assert.rejects(downloadVerified({ url: `${base}/weights.h5`, destination, expected: { md5: MD5 }, retries: 0 }), /broke off after .*run the same command again to resume/);
    const kept = readFileSync(destination + PARTIAL_SUFFIX).length;
    assert.ok(kept > 0 && kept <= 1_000_000);
    assert.equal(existsSync(destination), false, 'no final file before it is verified');
    const result = await downloadVerified({ url: `${base}/weights.h5`, destination, expected: { md5: MD5 } });
    assert.equal(result.resumedFrom, kept);
    assert.equal(requests.at(-1)?.range, `bytes=${kept}-`);
    assert.deepEqual(readFileSync(destination), CONTENT);
  });

  test('a server that ignores Range (200) restarts the file', async () => {
    behaviour = { ignoreRange: true };
    const destination = join(tempDir(), 'weights.h5');
    writeFileSync(destination + PARTIAL_SUFFIX, Buffer.alloc(5000, 7));
    await downloadVerified({ url: `${base}/weights.h5`, destination, expected: { md5: MD5 } });
    assert.equal(requests[0]?.range, 'bytes=5000-');
    assert.deepEqual(readFileSync(destination), CONTENT);
  });

  test('a checksum mismatch is refused and leaves neither the file nor a .partial', async () => {
    const folder = tempDir();
    const destination = join(folder, 'weights.h5');
    await assert.rejects(
      downloadVerified({ url: `${base}/weights.h5`, destination, expected: { md5: '0'.repeat(32) } }),
      new RegExp(`weights\\.h5 from .* is not the published file: expected MD5 0{32}, got ${MD5}; the download was deleted`),
    );
    assert.deepEqual(readdirSync(folder), []);
  });
});

describe('pullFeaturizer', () => {
  test('downloads from the overridden base URL and checks the catalog MD5', async () => {
    const store = tempDir();
    await assert.rejects(pullFeaturizer('resnet50', { store, baseUrl: `${base}/mirror/` }), /resnet50_weights_tf_dim_ordering_tf_kernels\.h5 from .* is not the published file: expected MD5 2cb95161c43110f7111970584f804107/);
    assert.equal(requests[0]?.url, '/mirror/resnet50_weights_tf_dim_ordering_tf_kernels.h5');
    // The folder existed only for this download: nothing is left in the store.
    assert.deepEqual(readdirSync(store), []);
  });

  test('offline (connection refused) fails fast, naming the file to place where', async () => {
    const store = tempDir();
    const started = Date.now();
    await assert.rejects(
      pullFeaturizer('resnet50', { store, baseUrl: `http://127.0.0.1:${await closedPort()}` }),
      (error: Error) => {
        assert.match(
          error.message,
          /^cannot download resnet50 weights \(offline\? ECONNREFUSED to 127\.0\.0\.1:\d+\): place resnet50_weights_tf_dim_ordering_tf_kernels\.h5 from https:\/\/storage\.googleapis\.com\/tensorflow\/keras-applications\/resnet\/resnet50_weights_tf_dim_ordering_tf_kernels\.h5 in .*resnet50\//,
        );
        assert.ok(error.message.includes(join(store, 'resnet50')));
        return true;
      },
    );
    assert.ok(Date.now() - started < 5000, 'fails fast');
    assert.deepEqual(readdirSync(store), []);
  });

  test('MobileNet has no single file to pull and says where its folder is', async () => {
    await assert.rejects(pullFeaturizer('mobilenet_v1_0.5', { store: tempDir() }), /no single weight file to pull: .*tfjs-models\/tfjs\/mobilenet_v1_0\.50_224\/; .*fpga featurizers import mobilenet_v1_0\.5 <folder>/);
  });

  test('a file already in the store that matches its recorded SHA-256 is kept, not downloaded again', async () => {
    const store = tempDir();
    const folder = join(store, 'vgg16');
    mkdirSync(folder);
    writeFileSync(join(folder, 'vgg16_weights_tf_dim_ordering_tf_kernels.h5'), CONTENT);
    await recordSha256(folder, 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', SHA256);
    const result = await pullFeaturizer('vgg16', { store, baseUrl: base });
    assert.equal(result.status, 'present');
    assert.equal(result.sha256, SHA256);
    assert.equal(requests.length, 0);
    assert.deepEqual(await readSha256File(folder), [{ file: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', sha256: SHA256 }]);
  });
});

describe('progress display', () => {
  const event = (received: number): DownloadProgress => ({ file: 'w.h5', received, total: 100 * 1024 * 1024, resumedFrom: 0, elapsedMs: 2000 });

  test('prints a line per 10 % when stderr is not a terminal', () => {
    const lines: string[] = [];
    const printer = progressPrinter({ write: (text: string) => lines.push(text), isTTY: false });
    for (let mb = 1; mb <= 100; mb++) printer.onProgress(event(mb * 1024 * 1024));
    printer.done();
    // The first event (at 1 %) announces the start; then one line per tenth up to 100 %.
    assert.equal(lines.length, 11);
    assert.ok(lines.every((line) => line.endsWith('\n') && !line.includes('\r')));
    assert.equal(lines.at(-1), 'w.h5  100%  100.0/100.0 MB  50.0 MB/s\n');
  });

  test('draws a bar with percent, MB and MB/s on a terminal', () => {
    assert.equal(formatProgress(event(45 * 1024 * 1024), true), `w.h5  [${'#'.repeat(14)}${'.'.repeat(16)}]   45%  45.0/100.0 MB  22.5 MB/s`);
    const writes: string[] = [];
    const printer = progressPrinter({ write: (text: string) => writes.push(text), isTTY: true });
    printer.onProgress(event(1024 * 1024));
    printer.onProgress(event(100 * 1024 * 1024));
    printer.done();
    assert.ok(writes[0]?.startsWith('\r'));
    assert.equal(writes.at(-1), '\n');
  });
});
