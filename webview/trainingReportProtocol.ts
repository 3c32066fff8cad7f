/**
 * Messages from the training/evaluation report's page (webview/trainingReport.ts) to its
 * host (src/ui/training/reportPanel.ts). The host renders the whole report as HTML, so
 * only the page's buttons talk: nothing goes the other way. Types and a guard only.
 */

/** Open the trained pipeline file in an editor; deploy it (the FPGA: Deploy flow). */
export type ReportAction = 'openPipeline' | 'deploy';

export interface ReportActionMessage {
  type: 'action';
  action: ReportAction;
}

export type ReportToHostMessage = ReportActionMessage;

export function isReportToHostMessage(value: unknown): value is ReportToHostMessage {
  const message = value as Partial<ReportActionMessage> | null;
  return typeof message === 'object' && message !== null && message.type === 'action' && (message.action === 'openPipeline' || message.action === 'deploy');
}
