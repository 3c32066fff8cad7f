import * as vscode from 'vscode';

/** The semantic check's words for an unknown featurizer with a close catalog name (src/pipeline/semanticCheck.ts). */
const DID_YOU_MEAN = /^unknown featurizer "[^"]*": did you mean "([^"]+)"\?/;

/**
 * The quick fix of the "unknown featurizer … did you mean …" problem: replace the name with
 * the suggestion. The problem's range is the JSON string, quotes included.
 */
class FeaturizerQuickFix implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics.flatMap((diagnostic) => {
      const suggestion = diagnostic.source === 'FPGA' ? DID_YOU_MEAN.exec(diagnostic.message)?.[1] : undefined;
      if (!suggestion) return [];
      const action = new vscode.CodeAction(vscode.l10n.t('Change to "{0}"', suggestion), vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, diagnostic.range, JSON.stringify(suggestion));
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      return [action];
    });
  }
}

export function registerFeaturizerQuickFix(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider({ pattern: '**/*.pipeline.json' }, new FeaturizerQuickFix(), { providedCodeActionKinds: FeaturizerQuickFix.kinds }),
  );
}
