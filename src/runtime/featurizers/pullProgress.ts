/**
 * Shows download progress on a stream (stderr for the CLI, so stdout stays the result):
 * a bar redrawn in place on a terminal, and a plain line per 10 % elsewhere (CI logs, pipes),
 * where carriage returns would pile up as noise.
 */
import type { DownloadProgress, ProgressCallback } from './pull';

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

const MB = 1024 * 1024;
const BAR_WIDTH = 30;
/** Terminal redraws at most this often; a download delivers chunks far faster. */
const REDRAW_MS = 100;

/** One line of progress: `resnet50_….h5  [######....]  45%  45.2/98.0 MB  5.3 MB/s`. */
export function formatProgress(progress: DownloadProgress, bar: boolean): string {
  const mb = (bytes: number): string => (bytes / MB).toFixed(1);
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? (progress.received - progress.resumedFrom) / MB / seconds : 0;
  const parts = [progress.file];
  if (progress.total !== undefined && progress.total > 0) {
    const fraction = Math.min(1, progress.received / progress.total);
    if (bar) {
      const filled = Math.round(fraction * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(`${String(Math.floor(fraction * 100)).padStart(3)}%`, `${mb(progress.received)}/${mb(progress.total)} MB`);
  } else {
    parts.push(`${mb(progress.received)} MB`);
  }
  parts.push(`${rate.toFixed(1)} MB/s`);
  return parts.join('  ');
}

/**
 * A progress callback drawing on `sink`. Call the returned `done` after the download (or its
 * failure) so that a terminal's bar line is ended.
 */
export function progressPrinter(sink: ProgressSink): { onProgress: ProgressCallback; done: () => void } {
  const tty = sink.isTTY === true;
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  let last: DownloadProgress | undefined;
  const onProgress: ProgressCallback = (progress) => {
    last = progress;
    const complete = progress.total !== undefined && progress.received >= progress.total;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < REDRAW_MS && !complete) return;
      lastDraw = now;
      sink.write(`\r${formatProgress(progress, true)}\x1b[K`);
      drawn = true;
      return;
    }
    // Without a known size there are no tenths to report: the final line says the total.
    if (progress.total === undefined || progress.total <= 0) return;
    const decile = Math.floor((progress.received / progress.total) * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      sink.write(formatProgress(progress, false) + '\n');
    }
  };
  const done = (): void => {
    if (tty && drawn) sink.write('\n');
    else if (!tty && last && (last.total === undefined || last.total <= 0)) sink.write(formatProgress(last, false) + '\n');
  };
  return { onProgress, done };
}
