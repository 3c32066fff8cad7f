/**
 * The translation function user-visible text goes through. Modules that plain-Node unit
 * tests load cannot import `vscode`, so they take this as a parameter: the extension passes
 * `vscode.l10n.t`, tests use `formatMessage`, which fills `{0}`-style placeholders the same way.
 */
export type Localize = (message: string, ...args: Array<string | number | boolean>) => string;

export const formatMessage: Localize = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? whole : String(value);
  });
