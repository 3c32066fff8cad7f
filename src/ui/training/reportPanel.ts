import * as vscode from 'vscode';
import type { ReportData } from '../../training/report/reportData';
import { isReportToHostMessage } from '../../../webview/trainingReportProtocol';
import { reportPageHtml } from './reportPage';

const REPORT_VIEW_TYPE = 'fpga.trainingReport';

/**
 * Opens a report in a panel of its own. With a pipeline, its buttons open the file and run
 * FPGA: Deploy on it (which packages it, asks for the service name and deploys).
 */
export function showReportPanel(extensionUri: vscode.Uri, data: ReportData, pipeline?: vscode.Uri): vscode.WebviewPanel {
  const scripts = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, data.title, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [scripts],
    // The page is static HTML: kept while hidden rather than rendered again.
    retainContextWhenHidden: true,
  });
  panel.webview.html = reportPageHtml({
    cspSource: panel.webview.cspSource,
    scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(scripts, 'trainingReport.js')).toString(),
    data,
    pipelineActions: pipeline !== undefined,
    t: vscode.l10n.t,
  });
  panel.webview.onDidReceiveMessage(async (message: unknown) => {
    if (!pipeline || !isReportToHostMessage(message)) return;
    if (message.action === 'openPipeline') await vscode.window.showTextDocument(pipeline);
    else await vscode.commands.executeCommand('fpga.deploy', pipeline);
  });
  return panel;
}
