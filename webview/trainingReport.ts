/**
 * The report page's only script: its buttons (`data-action`) post their action to the host.
 * Everything else on the page is HTML the host rendered (src/training/report/renderReport.ts).
 */
import type { ReportAction, ReportToHostMessage } from './trainingReportProtocol';

declare function acquireVsCodeApi(): { postMessage(message: ReportToHostMessage): void };

const vscode = acquireVsCodeApi();

for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-action]'))) {
  button.addEventListener('click', () => {
    const action = button.dataset.action as ReportAction;
    vscode.postMessage({ type: 'action', action });
  });
}
