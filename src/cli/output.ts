/** Small formatting helpers shared by the CLI's commands. */
import { escapeControlCharacters } from '../common/displayText';

export { formatBytes } from '../common/formatBytes';
/** For text a model supplied (labels, stage names, its errors): control characters escaped. */
export { escapeControlCharacters as terminalText } from '../common/displayText';

/**
 * Left-aligned columns, the first row being the header. Cells often hold a model's text,
 * so their control characters are escaped.
 */
export function table(cells: string[][]): string {
  const rows = cells.map((row) => row.map(escapeControlCharacters));
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
