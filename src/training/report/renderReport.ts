/**
 * The report as HTML: accuracy, loss and accuracy per epoch, per-class precision and recall,
 * the confusion matrix as a heat map, and the mistakes with thumbnails. Shared by the
 * standalone file (`fpga train|evaluate --report`) and the editor's panel, so both show the
 * same thing. No inline `style` attributes or scripts: the panel's content security policy
 * drops them. Charts and heat map cells are SVG, coloured through classes and the
 * `fill-opacity` attribute; colours come from `--vscode-*` variables with plain fallbacks.
 */
import type { Evaluation, Mistake } from '../evaluation';
import type { EpochStats } from '../head';
import type { ReportData } from './reportData';

export function renderReportBody(data: ReportData): string {
  return [
    `<header><h1>${escapeHtml(data.title)}</h1>${facts(data.facts)}</header>`,
    data.evaluation ? summary(data.evaluation, data.evaluatedOn) : `<p class="note">${escapeHtml(data.evaluatedOn)}</p>`,
    data.history.length > 0 ? charts(data.history, data.bestEpoch) : '',
    data.evaluation ? perClass(data.evaluation) + confusionMatrix(data.evaluation) + mistakes(data.evaluation.mistakes, data.thumbnails) : '',
  ].join('\n');
}

/** One self-contained file: styles inline, images as data: URIs, no script. */
export function standaloneReport(data: ReportData): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(data.title)}</title>
<style>
${REPORT_CSS}
</style>
</head>
<body class="fpga-report">
${renderReportBody(data)}
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function facts(items: readonly [string, string][]): string {
  if (items.length === 0) return '';
  return `<dl class="facts">${items.map(([label, value]) => `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`).join('')}</dl>`;
}

function summary(evaluation: Evaluation, evaluatedOn: string): string {
  const correct = evaluation.images - evaluation.mistakes.length;
  return `<section class="summary"><div class="accuracy">${percent(evaluation.accuracy)}</div><div>accuracy: ${correct} of ${evaluation.images} ${escapeHtml(evaluatedOn)} right, ${evaluation.mistakes.length} mistaken</div></section>`;
}

const CHART = { width: 360, height: 180, left: 40, right: 10, top: 10, bottom: 28 };

function charts(history: readonly EpochStats[], bestEpoch: number | undefined): string {
  const hasValidation = history.some((stats) => stats.validation_accuracy !== undefined);
  const loss = chart('Loss', history, bestEpoch, [
    { name: 'training', className: 'series-train', value: (s) => s.loss },
    ...(hasValidation ? [{ name: 'validation', className: 'series-validation', value: (s: EpochStats) => s.validation_loss }] : []),
  ]);
  const accuracy = chart('Accuracy', history, bestEpoch, [
    { name: 'training', className: 'series-train', value: (s) => s.accuracy },
    ...(hasValidation ? [{ name: 'validation', className: 'series-validation', value: (s: EpochStats) => s.validation_accuracy }] : []),
  ], 1);
  return `<section><h2>Per epoch</h2><div class="charts">${loss}${accuracy}</div></section>`;
}

interface Series {
  name: string;
  className: string;
  value: (stats: EpochStats) => number | undefined;
}

function chart(title: string, history: readonly EpochStats[], bestEpoch: number | undefined, series: readonly Series[], fixedMax?: number): string {
  const { width, height, left, right, top, bottom } = CHART;
  const values = series.flatMap((s) => history.map(s.value)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const max = fixedMax ?? Math.max(1e-6, ...values);
  const epochs = history.length;
  const x = (epoch: number): number => left + (epochs <= 1 ? 0 : ((epoch - 1) / (epochs - 1)) * (width - left - right));
  const y = (value: number): number => top + (1 - value / max) * (height - top - bottom);
  const lines = series
    .map((s) => {
      const points = history
        .map((stats) => ({ epoch: stats.epoch, value: s.value(stats) }))
        .filter((p): p is { epoch: number; value: number } => p.value !== undefined && Number.isFinite(p.value))
        .map((p) => `${x(p.epoch).toFixed(1)},${y(p.value).toFixed(1)}`);
      return `<polyline class="${s.className}" fill="none" stroke-width="2" points="${points.join(' ')}"/>`;
    })
    .join('');
  const best = bestEpoch !== undefined && bestEpoch > 0 ? `<line class="best" x1="${x(bestEpoch)}" x2="${x(bestEpoch)}" y1="${top}" y2="${height - bottom}" stroke-dasharray="3 3"/>` : '';
  const axes =
    `<line class="axis" x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}"/>` +
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}"/>` +
    `<text class="tick" x="${left - 4}" y="${top + 8}" text-anchor="end">${formatTick(max)}</text>` +
    `<text class="tick" x="${left - 4}" y="${height - bottom}" text-anchor="end">0</text>` +
    `<text class="tick" x="${left}" y="${height - 8}">1</text>` +
    `<text class="tick" x="${width - right}" y="${height - 8}" text-anchor="end">epoch ${epochs}</text>`;
  const legend = series.map((s) => `<span class="legend ${s.className}">${escapeHtml(s.name)}</span>`).join(' ');
  return `<figure class="chart"><figcaption>${escapeHtml(title)} ${legend}${best ? ' <span class="legend best">best epoch</span>' : ''}</figcaption><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)} per epoch">${axes}${best}${lines}</svg></figure>`;
}

function formatTick(value: number): string {
  return value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2);
}

function perClass(evaluation: Evaluation): string {
  const rows = evaluation.per_class
    .map((c) => `<tr><td>${escapeHtml(c.class)}</td><td class="number">${c.images}</td><td class="number">${percent(c.precision)}</td><td class="number">${percent(c.recall)}</td></tr>`)
    .join('');
  return `<section><h2>Per class</h2><table class="per-class"><thead><tr><th>class</th><th>images</th><th>precision</th><th>recall</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Rows: the expected class; columns: the prediction. A cell's shade is its share of the row. */
function confusionMatrix(evaluation: Evaluation): string {
  const header = evaluation.confusion_columns.map((label) => `<th class="column" title="predicted ${escapeHtml(label)}">${escapeHtml(label)}</th>`).join('');
  const rows = evaluation.classes
    .map((label, r) => {
      const cells = evaluation.confusion[r] ?? [];
      const total = cells.reduce((sum, n) => sum + n, 0);
      const tds = cells
        .map((count, c) => {
          const share = total === 0 ? 0 : count / total;
          const kind = r === c ? 'hit' : 'miss';
          return `<td class="cell ${kind}"><svg class="heat" viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true"><rect width="1" height="1" fill-opacity="${share.toFixed(3)}"/></svg><span>${count}</span></td>`;
        })
        .join('');
      return `<tr><th class="row">${escapeHtml(label)}</th>${tds}</tr>`;
    })
    .join('');
  return `<section><h2>Confusion matrix</h2><p class="note">Rows: the image's class (its folder). Columns: what the model answered. Shade: share of the row.</p><table class="confusion"><thead><tr><th></th>${header}</tr></thead><tbody>${rows}</tbody></table></section>`;
}

function mistakes(list: readonly Mistake[], thumbnails: Readonly<Record<string, string>>): string {
  if (list.length === 0) return '<section><h2>Mistakes</h2><p class="note">None: every image was classified as its folder says.</p></section>';
  const figures = list
    .map((m) => {
      const src = thumbnails[m.image];
      const picture = src !== undefined ? `<img src="${escapeHtml(src)}" alt="${escapeHtml(m.image)}">` : '<div class="no-thumbnail">no preview</div>';
      const top = m.top3.map((g) => `<li>${escapeHtml(g.label)} <span class="score">${percent(g.score)}</span></li>`).join('');
      return `<figure class="mistake">${picture}<figcaption><div class="name">${escapeHtml(m.image)}</div><div>${escapeHtml(m.expected)} → <strong>${escapeHtml(m.predicted)}</strong></div><ol>${top}</ol></figcaption></figure>`;
    })
    .join('');
  return `<section><h2>Mistakes (${list.length})</h2><div class="mistakes">${figures}</div></section>`;
}

export const REPORT_CSS = `
.fpga-report { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 14px); color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); margin: 0; padding: 16px 24px; }
.fpga-report h1 { font-size: 1.5em; margin: 0 0 8px; }
.fpga-report h2 { font-size: 1.15em; margin: 24px 0 8px; }
.fpga-report .facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0; }
.fpga-report .facts div { display: flex; gap: 6px; }
.fpga-report .facts dt { color: var(--vscode-descriptionForeground, #666); }
.fpga-report .facts dd { margin: 0; }
.fpga-report .summary { display: flex; align-items: baseline; gap: 12px; margin-top: 16px; }
.fpga-report .accuracy { font-size: 2.4em; font-weight: 600; }
.fpga-report .note { color: var(--vscode-descriptionForeground, #666); }
.fpga-report .charts { display: flex; flex-wrap: wrap; gap: 24px; }
.fpga-report .chart { margin: 0; width: 360px; }
.fpga-report .chart svg { width: 360px; height: 180px; }
.fpga-report .axis { stroke: var(--vscode-descriptionForeground, #888); stroke-width: 1; }
.fpga-report .tick { fill: var(--vscode-descriptionForeground, #666); font-size: 10px; }
.fpga-report polyline.series-train { stroke: var(--vscode-charts-blue, #1a73e8); }
.fpga-report polyline.series-validation { stroke: var(--vscode-charts-orange, #e8710a); }
.fpga-report line.best { stroke: var(--vscode-charts-green, #188038); stroke-width: 1; }
.fpga-report .legend { font-size: 0.85em; margin-left: 8px; }
.fpga-report .legend::before { content: ""; display: inline-block; width: 12px; height: 3px; margin-right: 4px; vertical-align: middle; }
.fpga-report .legend.series-train::before { background: var(--vscode-charts-blue, #1a73e8); }
.fpga-report .legend.series-validation::before { background: var(--vscode-charts-orange, #e8710a); }
.fpga-report .legend.best::before { background: var(--vscode-charts-green, #188038); }
.fpga-report table { border-collapse: collapse; }
.fpga-report th, .fpga-report td { padding: 4px 10px; text-align: left; }
.fpga-report .per-class td.number { text-align: right; font-variant-numeric: tabular-nums; }
.fpga-report .per-class thead th { border-bottom: 1px solid var(--vscode-panel-border, #ccc); }
.fpga-report .confusion td.cell { position: relative; width: 56px; height: 40px; text-align: center; border: 1px solid var(--vscode-panel-border, #ddd); padding: 0; }
.fpga-report .confusion td.cell svg.heat { position: absolute; inset: 0; width: 100%; height: 100%; }
.fpga-report .confusion td.cell span { position: relative; font-variant-numeric: tabular-nums; }
.fpga-report .confusion td.hit rect { fill: var(--vscode-charts-green, #188038); }
.fpga-report .confusion td.miss rect { fill: var(--vscode-charts-red, #d93025); }
.fpga-report .confusion th.column { writing-mode: vertical-rl; transform: rotate(180deg); vertical-align: bottom; max-height: 160px; }
.fpga-report .mistakes { display: flex; flex-wrap: wrap; gap: 12px; }
.fpga-report .mistake { margin: 0; width: 168px; border: 1px solid var(--vscode-panel-border, #ddd); padding: 6px; }
.fpga-report .mistake img, .fpga-report .no-thumbnail { display: block; max-width: 156px; max-height: 128px; margin: 0 auto 4px; }
.fpga-report .no-thumbnail { color: var(--vscode-descriptionForeground, #666); text-align: center; padding: 48px 0; }
.fpga-report .mistake .name { word-break: break-all; color: var(--vscode-descriptionForeground, #666); font-size: 0.85em; }
.fpga-report .mistake ol { margin: 4px 0 0; padding-left: 18px; font-size: 0.9em; }
.fpga-report .score { color: var(--vscode-descriptionForeground, #666); }
.fpga-report .actions { display: flex; gap: 8px; margin-top: 12px; }
.fpga-report button { font: inherit; color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, #1a73e8); border: none; padding: 6px 14px; cursor: pointer; }
.fpga-report button:hover { background: var(--vscode-button-hoverBackground, #1666cc); }
.fpga-report button.secondary { color: var(--vscode-button-secondaryForeground, #222); background: var(--vscode-button-secondaryBackground, #e0e0e0); }
`;
