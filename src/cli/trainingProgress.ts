/**
 * How `fpga train` shows its progress on stderr (stdout is for the result): on a terminal,
 * one line redrawn in place with a bar; otherwise plain lines, one per epoch, that a log or
 * CI keeps readably. `--progress-json` (for the editor, which runs the CLI) writes each
 * event as one JSON line instead.
 */
import type { TrainEvent } from '../training/trainClassifier';
import { terminalText } from './output';

const BAR = 20;

export type ProgressStyle = 'tty' | 'lines' | 'json';

export function progressStyle(json: boolean): ProgressStyle {
  if (json) return 'json';
  return process.stderr.isTTY ? 'tty' : 'lines';
}

export function trainingProgress(style: ProgressStyle, write: (text: string) => void = (text) => process.stderr.write(text)): (event: TrainEvent) => void {
  let redrawn = false;
  const line = (text: string): void => {
    if (redrawn) write('\n');
    redrawn = false;
    write(`${text}\n`);
  };
  const redraw = (text: string): void => {
    write(`\r\x1b[2K${text}`);
    redrawn = true;
  };
  let lastFeatureTenth = -1;
  return (event) => {
    if (style === 'json') {
      write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'dataset': {
        const d = event.dataset;
        line(`dataset ${terminalText(d.root)}: ${d.classes.map((c) => `${terminalText(c.class)} ${c.images}`).join(', ')} → ${d.train} training, ${d.validation} validation`);
        for (const skip of d.skipped) line(`  skipped ${terminalText(skip.name)}: ${skip.reason} (${terminalText(skip.detail)})`);
        break;
      }
      case 'featurizer':
        line(`featurizer ${event.featurizer} ${event.engine.precision} on ${event.engine.engine}${event.synthetic ? ' (generated weights: meaningless features)' : ''}`);
        break;
      case 'features': {
        const p = event.progress;
        const text = `features ${p.done}/${p.total} (${p.computed} computed, ${p.cached} cached)`;
        if (style === 'tty') {
          redraw(`${bar(p.done, p.total)} ${text}`);
          if (p.done === p.total) line('');
        } else {
          const tenth = p.total === 0 ? 10 : Math.floor((p.done / p.total) * 10);
          if (tenth !== lastFeatureTenth) line(text);
          lastFeatureTenth = tenth;
        }
        break;
      }
      case 'epoch': {
        const s = event.stats;
        const validation = s.validation_accuracy !== undefined ? `, val_loss ${s.validation_loss?.toFixed(4) ?? '-'}, val_accuracy ${percent(s.validation_accuracy)}` : '';
        const text = `epoch ${s.epoch}/${event.epochs}: loss ${s.loss.toFixed(4)}, accuracy ${percent(s.accuracy)}${validation}${event.best ? ' *' : ''}`;
        if (style === 'tty') {
          redraw(`${bar(s.epoch, event.epochs)} ${text}`);
          if (s.epoch === event.epochs) line('');
        } else {
          line(text);
        }
        break;
      }
    }
  };
}

function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR : Math.round((done / total) * BAR);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
