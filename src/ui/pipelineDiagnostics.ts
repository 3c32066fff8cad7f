import * as vscode from 'vscode';
import type { Problem } from '../pipeline/validate';
import { validatePipelineText } from '../pipeline/validate';
import { getLog } from './log';

const PIPELINE_SUFFIX = '.pipeline.json';
const DEBOUNCE_MS = 250;
const log = getLog('diagnostics');

/** What the rest of the UI may do with the "fpga" diagnostics. */
export interface PipelineDiagnostics {
  /**
   * Shows the problems packaging `uri` found (the ones that made it fail, or its warnings);
   * once the file is open the live check below takes over.
   */
  publishPackageProblems(uri: vscode.Uri, problems: readonly Problem[]): void;
  /** Re-checks `uri` if it is open, else forgets what was shown for it. */
  refresh(uri: vscode.Uri): void;
}

export function isPipelineDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && document.fileName.endsWith(PIPELINE_SUFFIX);
}

function toSeverity(problem: Problem): vscode.DiagnosticSeverity {
  return problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
}

function toDiagnostic(problem: Problem, range: vscode.Range): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(range, problem.message, toSeverity(problem));
  diagnostic.source = 'FPGA';
  return diagnostic;
}

/** Offsets are exact when the text is at hand. */
function rangeInDocument(document: vscode.TextDocument, problem: Problem): vscode.Range {
  return new vscode.Range(document.positionAt(problem.offset), document.positionAt(problem.offset + problem.length));
}

/** Without the text, line and column place the start; the span is kept on that line. */
function rangeFromPosition(problem: Problem): vscode.Range {
  const start = new vscode.Position(Math.max(0, problem.line - 1), Math.max(0, problem.column - 1));
  return new vscode.Range(start, start.translate(0, Math.max(0, problem.length)));
}

/**
 * Checks every open `*.pipeline.json` as the user types (debounced), opens and saves it,
 * and publishes every problem packaging would find: the semantic ones (stage shapes, files,
 * featurizers) and the schema ones. The JSON language service shows schema violations too
 * (through `jsonValidation`), but only as warnings, while they stop packaging: the Problems
 * view must count them as the errors they are.
 */
class PipelineDiagnosticsController implements PipelineDiagnostics, vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('fpga');
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((document) => this.validateNow(document)),
      vscode.workspace.onDidSaveTextDocument((document) => this.validateNow(document)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.validateSoon(event.document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
      // Semantic checks look at files beside the pipeline: re-check when those come and go.
      vscode.workspace.onDidCreateFiles(() => this.validateAllOpen()),
      vscode.workspace.onDidDeleteFiles(() => this.validateAllOpen()),
      vscode.workspace.onDidRenameFiles(() => this.validateAllOpen()),
    );
    this.validateAllOpen();
  }

  publishPackageProblems(uri: vscode.Uri, problems: readonly Problem[]): void {
    const document = this.openDocument(uri);
    if (document) {
      this.publish(document, problems);
    } else {
      this.collection.set(uri, problems.map((p) => toDiagnostic(p, rangeFromPosition(p))));
    }
  }

  refresh(uri: vscode.Uri): void {
    const document = this.openDocument(uri);
    if (document) this.validateNow(document);
    else this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.collection.dispose();
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    const key = uri.toString();
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key && isPipelineDocument(d));
  }

  private validateAllOpen(): void {
    for (const document of vscode.workspace.textDocuments) this.validateNow(document);
  }

  private validateSoon(document: vscode.TextDocument): void {
    if (!isPipelineDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        if (!document.isClosed) this.validateNow(document);
      }, DEBOUNCE_MS),
    );
  }

  private validateNow(document: vscode.TextDocument): void {
    if (!isPipelineDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    try {
      const { problems } = validatePipelineText(document.getText(), document.uri.fsPath);
      this.publish(document, problems);
    } catch (error) {
      // A bug in the checker must not take the editor down with it; the log has the stack.
      log.error(`Could not check ${document.uri.fsPath}`, error);
      this.collection.delete(document.uri);
    }
  }

  private publish(document: vscode.TextDocument, problems: readonly Problem[]): void {
    this.collection.set(document.uri, problems.map((p) => toDiagnostic(p, rangeInDocument(document, p))));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.collection.delete(uri);
  }
}

export function registerPipelineDiagnostics(context: vscode.ExtensionContext): PipelineDiagnostics {
  const controller = new PipelineDiagnosticsController();
  context.subscriptions.push(controller);
  return controller;
}
