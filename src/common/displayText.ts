/**
 * Text that came from a model (labels, stage names, file names, the errors quoting them)
 * is data, and shown as data. A label holding ESC sequences would otherwise clear the
 * screen, write the clipboard (OSC 52) or plant links (OSC 8) in the user's terminal, and
 * one holding `[text](command:…)` becomes a clickable command link in a VS Code
 * notification, which renders such markdown.
 */

// C0 and C1 control characters (ESC, CSI, BEL, CR, …), DEL, and the bidirectional
// overrides that make text read differently from what it is ("Trojan Source").
// eslint-disable-next-line no-control-regex -- control characters are what is matched
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Every control character as a visible escape: ESC becomes `\x1b`, U+202E `\u202e`. */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * One line for a notification or a tooltip: line breaks become spaces, other control
 * characters are escaped, and `](` gets a space so that no `[text](target)` is a link.
 */
export function plainNotificationText(text: string): string {
  return escapeControlCharacters(text.replace(/\s*\n\s*/g, ' ').trim()).replace(/\]\(/g, '] (');
}
