/** The report's HTML: one renderer for the file and the panel, escaped text, a strict page policy. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standaloneReport } from '../../src/training/report/renderReport';
import type { ReportData } from '../../src/training/report/reportData';
import { formatMessage } from '../../src/ui/localize';
import { reportPageHtml } from '../../src/ui/training/reportPage';

const data: ReportData = {
  title: 'Classifier trained on <pets>',
  facts: [['classes', '<img src=x onerror=alert(1)> (3), dog (2)']],
  evaluation: {
    accuracy: 0.8,
    images: 5,
    classes: ['<img src=x onerror=alert(1)>', 'dog'],
    per_class: [
      { class: '<img src=x onerror=alert(1)>', precision: 1, recall: 2 / 3, images: 3 },
      { class: 'dog', precision: 2 / 3, recall: 1, images: 2 },
    ],
    confusion: [[2, 1], [0, 2]],
    confusion_columns: ['<img src=x onerror=alert(1)>', 'dog'],
    mistakes: [{ image: 'cat/a.png', expected: '<img src=x onerror=alert(1)>', predicted: 'dog', top3: [{ label: 'dog', score: 0.7 }] }],
  },
  evaluatedOn: 'validation images',
  history: [
    { epoch: 1, loss: 0.9, accuracy: 0.5, validation_loss: 1, validation_accuracy: 0.4 },
    { epoch: 2, loss: 0.4, accuracy: 0.9, validation_loss: 0.6, validation_accuracy: 0.8 },
  ],
  bestEpoch: 2,
  thumbnails: { 'cat/a.png': 'data:image/jpeg;base64,AAAA' },
};

test('the standalone report is self-contained and escapes every text from the dataset', () => {
  const html = standaloneReport(data);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
  assert.match(html, /80\.0%/);
  assert.match(html, /<polyline class="series-validation"/);
  assert.match(html, /fill-opacity="0\.667"/, 'the heat map shades a cell by its share of the row');
  assert.match(html, /<img src="data:image\/jpeg;base64,AAAA"/);
  assert.doesNotMatch(html, /<script|<link|src="http/);
});

test('the panel page runs only its own script and styles, by nonce, with no inline style attributes', () => {
  const html = reportPageHtml({ cspSource: 'vscode-resource:', scriptUri: 'vscode-resource:/dist/webview/trainingReport.js', data, pipelineActions: true, t: formatMessage, nonce: 'n0nce' });
  assert.match(html, /content="default-src &#39;none&#39;; img-src data:; style-src &#39;nonce-n0nce&#39;; script-src &#39;nonce-n0nce&#39;"/);
  assert.match(html, /<style nonce="n0nce">/);
  assert.match(html, /<script nonce="n0nce" src="vscode-resource:\/dist\/webview\/trainingReport\.js">/);
  assert.doesNotMatch(html, / style="/);
  assert.match(html, /data-action="openPipeline">Open Pipeline</);
  assert.match(html, /data-action="deploy"/);
  assert.doesNotMatch(reportPageHtml({ cspSource: '', scriptUri: '', data, pipelineActions: false, t: formatMessage }), /data-action/);
});
