/**
 * The report panel's page: the report the CLI's `--report` writes (same renderer), under a
 * strict content security policy — styles and the one script by nonce, images only as
 * data: URIs — plus "Open Pipeline" and "Deploy" when the report is a training's. No vscode
 * here, so a plain-Node test can check the page.
 */
import { makeNonce } from '../classify/panelHtml';
import type { ReportData } from '../../training/report/reportData';
import { REPORT_CSS, escapeHtml, renderReportBody } from '../../training/report/renderReport';
import type { Localize } from '../localize';

export interface ReportPage {
  cspSource: string;
  /** asWebviewUri of dist/webview/trainingReport.js. */
  scriptUri: string;
  data: ReportData;
  /** Offer Open Pipeline and Deploy (a training report). */
  pipelineActions: boolean;
  t: Localize;
  nonce?: string;
}

export function reportPageHtml(page: ReportPage): string {
  const nonce = page.nonce ?? makeNonce();
  const csp = ["default-src 'none'", 'img-src data:', `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
  const actions = page.pipelineActions
    ? `<div class="actions"><button data-action="openPipeline">${escapeHtml(page.t('Open Pipeline'))}</button><button data-action="deploy" class="secondary">${escapeHtml(page.t('Deploy'))}</button></div>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">${REPORT_CSS}</style>
<title>${escapeHtml(page.data.title)}</title>
</head>
<body class="fpga-report">
${actions}
${renderReportBody(page.data)}
<script nonce="${nonce}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>`;
}
