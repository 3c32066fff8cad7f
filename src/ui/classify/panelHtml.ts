/**
 * The classify panel's page. No vscode here (the caller passes the webview's URIs and CSP
 * source), so plain-Node unit tests can check the policy.
 */
import { randomBytes } from 'node:crypto';

export interface PanelPage {
  /** `webview.cspSource`: the origin of URIs made by asWebviewUri. */
  cspSource: string;
  /** asWebviewUri of dist/webview/main.js. */
  scriptUri: string;
  /** asWebviewUri of media/classify.css. */
  styleUri: string;
  title: string;
  /** A fresh nonce per page; tests pass a fixed one. */
  nonce?: string;
}

/** 128 random bits, as the CSP spec asks of a nonce; base64url needs no escaping in HTML. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Strict: nothing loads but the extension's own script (by nonce) and stylesheet, and the
 * image, which the host sends as a data: URI (so no folder of the user's is a resource
 * root). style-src has no 'unsafe-inline': the toolkit's two empty inline styles are then
 * refused, which only makes its focus ring use :focus instead of :focus-visible.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function panelHtml(page: PanelPage): string {
  const nonce = page.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page.cspSource, nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
  <title>${escapeHtml(page.title)}</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${nonce}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>`;
}
