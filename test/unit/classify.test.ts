/** The classify panel's pure parts: protocol guards, number formatting, result JSON, failure kinds, page and CSP. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UserError } from '../../src/common/errors';
import { failureKind } from '../../src/ui/classify/classifyFailure';
import { exportCsv, exportJson, imageDataUri, imageMimeType, orderTimings, resultJson, toResultMessage } from '../../src/ui/classify/classifyResult';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../src/ui/classify/panelHtml';
import type { Classification } from '../../src/workspaces/workspace';
import { WorkspaceError, errorKindOfStatus } from '../../src/workspaces/workspaceError';
import { barValue, formatMs, formatPercent, shareOf } from '../../webview/format';
import type { ResultMessage } from '../../webview/protocol';
import { isHostToWebviewMessage, isWebviewToHostMessage } from '../../webview/protocol';

const IMAGE = { name: 'cat.bmp', src: 'data:image/bmp;base64,Qk0=' };

const CLASSIFICATION: Classification = {
  predictions: [
    { index: 281, label: 'tabby, tabby cat', score: 0.62 },
    { index: 285, label: 'Egyptian cat', score: 0.21 },
  ],
  // Key order as the host writes it: prepare stages, model stages, queue, total.
  timings_ms: { decode: 1.2, preprocess: 3.4, featurizer: 20.5, classifier: 0.8, queue: 0.05, total: 26.1 },
  backend: 'wasm',
  precision: 'fp32',
  synthetic: false,
};

function result(): ResultMessage {
  return toResultMessage(IMAGE, 'cats', CLASSIFICATION, 31.234);
}

describe('classify protocol guards', () => {
  test('the host accepts ready and the known actions, nothing else', () => {
    assert.ok(isWebviewToHostMessage({ type: 'ready' }));
    for (const action of ['runAgain', 'switchService', 'copyResult', 'startLocalHost', 'deploy', 'showLog']) {
      assert.ok(isWebviewToHostMessage({ type: 'action', action }), action);
    }
    for (const bad of [null, undefined, 'ready', [], {}, { type: 'action' }, { type: 'action', action: 'rm -rf' }, { type: 'runAgain' }, { type: 'toString' }]) {
      assert.equal(isWebviewToHostMessage(bad), false, JSON.stringify(bad));
    }
  });

  test('the webview accepts well-formed busy, result and error messages', () => {
    assert.ok(isHostToWebviewMessage({ type: 'busy' }));
    assert.ok(isHostToWebviewMessage({ type: 'busy', image: IMAGE, service: 'cats' }));
    assert.ok(isHostToWebviewMessage(result()));
    assert.ok(isHostToWebviewMessage({ type: 'error', kind: 'hostDown', message: 'down', actions: [{ action: 'startLocalHost', label: 'Start Local Host' }] }));
  });

  test('the webview refuses malformed messages instead of rendering half a page', () => {
    const good = result();
    assert.equal(isHostToWebviewMessage({ ...good, predictions: [{ index: 1, label: 'x', score: 'high' }] }), false);
    assert.equal(isHostToWebviewMessage({ ...good, timings: [{ stage: 'decode', ms: Number.NaN }] }), false);
    assert.equal(isHostToWebviewMessage({ ...good, service: { name: 'cats' } }), false);
    assert.equal(isHostToWebviewMessage({ type: 'error', kind: 'nope', message: 'x', actions: [] }), false);
    assert.equal(isHostToWebviewMessage({ type: 'error', kind: 'failed', message: 'x', actions: [{ action: 'eval', label: 'x' }] }), false);
    assert.equal(isHostToWebviewMessage({ type: 'busy', image: { name: 'x' } }), false);
    assert.equal(isHostToWebviewMessage({ type: 'ready' }), false);
  });
});

describe('classify number formatting', () => {
  test('percentages: one decimal, never a false 0% or 100%', () => {
    assert.equal(formatPercent(0.62), '62.0%');
    assert.equal(formatPercent(0.0004), '<0.1%');
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.99996), '>99.9%');
    assert.equal(formatPercent(1), '100%');
    assert.equal(formatPercent(Number.NaN), '0%');
  });

  test('milliseconds: precision follows size', () => {
    assert.equal(formatMs(0.05), '0.05 ms');
    assert.equal(formatMs(3.44), '3.4 ms');
    assert.equal(formatMs(412.6), '413 ms');
    assert.equal(formatMs(12_345), '12.3 s');
    assert.equal(formatMs(-1), '–');
  });

  test('bars are clamped to [0, 1]', () => {
    assert.equal(barValue(1.0000001), 1);
    assert.equal(barValue(-0.1), 0);
    assert.equal(barValue(Number.POSITIVE_INFINITY), 0);
    assert.equal(shareOf(5, 20), 0.25);
    assert.equal(shareOf(5, 0), 0);
    assert.equal(shareOf(50, 20), 1);
  });
});

describe('classify results', () => {
  test('stages in pipeline order: decode, preprocess, model stages, queue; total apart', () => {
    const { stages, totalMs } = orderTimings({ queue: 1, featurizer: 20, total: 30, preprocess: 3, classifier: 1, decode: 2 });
    assert.deepEqual(
      stages.map((s) => s.stage),
      ['decode', 'preprocess', 'featurizer', 'classifier', 'queue'],
    );
    assert.equal(totalMs, 30);
  });

  test('the panel message carries the service, its engine and both totals', () => {
    const message = result();
    assert.deepEqual(message.service, { name: 'cats', backend: 'wasm', precision: 'fp32', synthetic: false });
    assert.equal(message.totalMs, 26.1);
    assert.equal(message.roundTripMs, 31.23);
    assert.equal(message.predictions[0]?.label, 'tabby, tabby cat');
  });

  test('without a total from the service the stages add up to one', () => {
    const message = toResultMessage(IMAGE, 'cats', { ...CLASSIFICATION, timings_ms: { decode: 1, featurizer: 2 }, precision: undefined, synthetic: undefined }, 5);
    assert.equal(message.totalMs, 3);
    assert.equal(message.service.precision, 'fp32');
    assert.equal(message.service.synthetic, false);
  });

  test('Copy Result JSON: the service answer fields plus image and service, without the image bytes', () => {
    const json = JSON.parse(resultJson(result(), '/images/cat.bmp')) as Record<string, unknown>;
    assert.deepEqual(json, {
      image: '/images/cat.bmp',
      service: 'cats',
      backend: 'wasm',
      precision: 'fp32',
      synthetic: false,
      predictions: CLASSIFICATION.predictions,
      timings_ms: CLASSIFICATION.timings_ms,
      round_trip_ms: 31.23,
    });
    assert.ok(!resultJson(result(), 'x').includes('base64'));
  });

  test('image type from the bytes first, the name second', () => {
    assert.equal(imageMimeType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d]), 'photo.jpg'), 'image/png');
    assert.equal(imageMimeType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), 'x'), 'image/jpeg');
    assert.equal(imageMimeType(new Uint8Array([0x42, 0x4d, 0, 0]), 'x'), 'image/bmp');
    assert.equal(imageMimeType(new Uint8Array(Buffer.from('GIF89a')), 'x'), 'image/gif');
    assert.equal(imageMimeType(new Uint8Array(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'x'), 'image/webp');
    assert.equal(imageMimeType(new Uint8Array([1, 2, 3]), 'odd.WEBP'), 'image/webp');
    assert.equal(imageMimeType(new Uint8Array([1, 2, 3]), 'notes.txt'), 'application/octet-stream');
    assert.equal(imageDataUri(new Uint8Array([0x42, 0x4d]), 'a.bmp'), 'data:image/bmp;base64,Qk0=');
  });
});

describe('classify failures', () => {
  test('status codes choose the kind', () => {
    const failure = (status: number, message: string): WorkspaceError => new WorkspaceError(errorKindOfStatus(status) ?? 'unavailable', message, status);
    assert.equal(failureKind(failure(401, 'bad key')), 'unauthorized');
    assert.equal(failureKind(failure(503, 'service "x" is Transitioning')), 'unavailable');
    assert.equal(failureKind(failure(404, 'no service "x"')), 'unavailable');
    assert.equal(failureKind(failure(400, 'not a supported image')), 'rejected');
    assert.equal(failureKind(failure(413, 'too large')), 'rejected');
    assert.equal(failureKind(failure(500, 'internal error')), 'failed');
  });

  test('an unreachable workspace is "host down"', () => {
    assert.equal(failureKind(new WorkspaceError('unavailable', 'cannot reach the local service host at http://127.0.0.1:1: it is not answering')), 'hostDown');
    assert.equal(failureKind(new UserError('some other failure')), 'failed');
    assert.equal(failureKind(new Error('something else')), 'failed');
    assert.equal(failureKind('a string'), 'failed');
  });
});

describe('classify page', () => {
  const page = panelHtml({
    cspSource: 'https://webview.test',
    scriptUri: 'https://webview.test/dist/webview/main.js',
    styleUri: 'https://webview.test/media/classify.css',
    title: 'Classify "cat" <1>.bmp',
    nonce: 'abc123',
  });

  test('strict CSP: own script by nonce, own styles, data: images, nothing else', () => {
    const policy = contentSecurityPolicy('https://webview.test', 'abc123');
    assert.equal(
      policy,
      "default-src 'none'; img-src https://webview.test data:; style-src https://webview.test; font-src https://webview.test; script-src 'nonce-abc123'",
    );
    assert.ok(!policy.includes('unsafe'));
    assert.ok(page.includes(`content="default-src 'none'`) || page.includes('content="default-src &#39;none&#39;'));
  });

  test('the one script carries the nonce; the title is escaped', () => {
    assert.match(page, /<script nonce="abc123" src="https:\/\/webview\.test\/dist\/webview\/main\.js"><\/script>/);
    assert.equal(page.match(/<script/g)?.length, 1);
    assert.ok(page.includes('<title>Classify &#34;cat&#34; &#60;1&#62;.bmp</title>'));
    assert.ok(!page.includes('style="'));
  });

  test('nonces are fresh and long enough', () => {
    const a = makeNonce();
    assert.notEqual(a, makeNonce());
    assert.ok(a.length >= 22);
    assert.match(a, /^[A-Za-z0-9_-]+$/);
  });
});

describe('batch and comparison boards', () => {
  test('the webview accepts a board of cells and a session, and refuses a board with a bad cell', () => {
    const board = { type: 'board', layout: 'batch', cells: [result(), { type: 'busy' }], actions: [{ action: 'exportCsv', label: 'Export CSV' }] };
    assert.ok(isHostToWebviewMessage(board));
    assert.ok(isHostToWebviewMessage({ type: 'session', images: ['file:///a.png'], services: ['cats'] }));
    assert.equal(isHostToWebviewMessage({ ...board, cells: [{ type: 'board', layout: 'batch', cells: [], actions: [] }] }), false, 'no board inside a board');
    assert.equal(isHostToWebviewMessage({ ...board, layout: 'grid' }), false);
  });

  test('CSV has a row per image and service, quoted where needed, failures with their message', () => {
    const failed = { type: 'error' as const, kind: 'unavailable' as const, message: 'Service dogs was deleted — choose another or deploy again.', actions: [], service: 'dogs' };
    const csv = exportCsv([
      { imagePath: '/photos/cat, indoors.bmp', cell: result() },
      { imagePath: '/photos/dog.png', cell: failed },
    ]);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'image,service,weights,backend,precision,top1_index,top1_label,top1_score,top5,service_ms,round_trip_ms,error');
    assert.equal(lines[1], '"/photos/cat, indoors.bmp",cats,real,wasm,fp32,281,"tabby, tabby cat",0.620000,"tabby, tabby cat (0.6200); Egyptian cat (0.2100)",26.10,31.23,');
    assert.equal(lines[2], '/photos/dog.png,dogs,,,,,,,,,,Service dogs was deleted — choose another or deploy again.');
  });

  test('JSON carries the Copy Result JSON fields and the weights; no image bytes', () => {
    const [record] = JSON.parse(exportJson([{ imagePath: '/photos/cat.bmp', cell: result() }])) as Record<string, unknown>[];
    assert.equal(record?.image, '/photos/cat.bmp');
    assert.equal(record?.weights, 'real');
    assert.equal(record?.service, 'cats');
    assert.ok(!JSON.stringify(record).includes('base64'));
  });
});
