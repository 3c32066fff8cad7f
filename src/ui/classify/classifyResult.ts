/**
 * Turning a service's answer into what the classify panel shows and what "Copy Result JSON"
 * puts on the clipboard. No vscode here: plain-Node unit tests cover it.
 */
import { describeStageEngines } from '../../runtime/engines/stageEngine';
import type { CellMessage, ClassifiedImage, ResultMessage, ServiceSummary, StageTiming } from '../../../webview/protocol';
import type { Classification } from '../../workspaces/workspace';

/** Stages that happen before the model, in the order they run. */
const LEADING_STAGES = ['decode', 'preprocess'];
/** The wait for a batch comes after the model stages in the list: it is not a stage of the pipeline. */
const QUEUE_STAGE = 'queue';
const TOTAL_STAGE = 'total';

/**
 * The service's timings as the panel lists them: decode and pre-processing first, then the
 * model stages in the order the service reported them (its pipeline order), then the queue
 * wait. `total` is taken out: it is shown on its own.
 */
export function orderTimings(timingsMs: Readonly<Record<string, number>>): { stages: StageTiming[]; totalMs: number | undefined } {
  const entries = Object.entries(timingsMs).filter(([, ms]) => typeof ms === 'number' && Number.isFinite(ms));
  const leading = LEADING_STAGES.flatMap((stage) => entries.filter(([name]) => name === stage));
  const model = entries.filter(([name]) => !LEADING_STAGES.includes(name) && name !== QUEUE_STAGE && name !== TOTAL_STAGE);
  const queue = entries.filter(([name]) => name === QUEUE_STAGE);
  const stages = [...leading, ...model, ...queue].map(([stage, ms]) => ({ stage, ms }));
  return { stages, totalMs: timingsMs[TOTAL_STAGE] };
}

export function summarizeService(name: string, classification: Classification): ServiceSummary {
  return {
    name,
    // Each stage's engine and precision where the host reports them (hosts before 0.2 give one backend).
    backend: classification.engines ? describeStageEngines(classification.engines) : (classification.backend ?? 'unknown engine'),
    precision: classification.precision ?? 'fp32',
    synthetic: classification.synthetic ?? false,
  };
}

/** The panel's result; without a `total` from the service, the stages' sum stands in for it. */
export function toResultMessage(image: ClassifiedImage, service: string, classification: Classification, roundTripMs: number): ResultMessage {
  const { stages, totalMs } = orderTimings(classification.timings_ms);
  return {
    type: 'result',
    image,
    service: summarizeService(service, classification),
    predictions: classification.predictions.map(({ index, label, score }) => ({ index, label, score })),
    timings: stages,
    totalMs: totalMs ?? stages.reduce((sum, { ms }) => sum + ms, 0),
    roundTripMs: Math.round(roundTripMs * 100) / 100,
  };
}

/**
 * What "Copy Result JSON" copies: the same fields as the service's classify answer (so a
 * script that reads one reads the other), plus which image and service, and without the
 * image bytes the panel carries.
 */
export function resultJson(result: ResultMessage, imagePath: string): string {
  const timings: Record<string, number> = {};
  for (const { stage, ms } of result.timings) timings[stage] = ms;
  timings.total = result.totalMs;
  const json = {
    image: imagePath,
    service: result.service.name,
    backend: result.service.backend,
    precision: result.service.precision,
    synthetic: result.service.synthetic,
    predictions: result.predictions,
    timings_ms: timings,
    round_trip_ms: result.roundTripMs,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** One exported row: a cell of a batch or comparison, with the image's path instead of its bytes. */
export interface ExportCell {
  imagePath: string;
  cell: CellMessage;
}

function exportRecord({ imagePath, cell }: ExportCell): Record<string, unknown> {
  if (cell.type !== 'result') {
    return { image: imagePath, service: cell.service ?? null, error: cell.type === 'error' ? cell.message : 'not classified yet' };
  }
  const parsed = JSON.parse(resultJson(cell, imagePath)) as Record<string, unknown>;
  return { ...parsed, weights: cell.service.synthetic ? 'generated' : 'real' };
}

/** Export JSON: one object per image and service, the fields of Copy Result JSON plus the weights; failures carry `error`. */
export function exportJson(cells: readonly ExportCell[]): string {
  return `${JSON.stringify(cells.map(exportRecord), null, 2)}\n`;
}

/** RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = ['image', 'service', 'weights', 'backend', 'precision', 'top1_index', 'top1_label', 'top1_score', 'top5', 'service_ms', 'round_trip_ms', 'error'];

/** Export CSV: a row per image and service; `top5` is "label (score)" entries joined by "; ". */
export function exportCsv(cells: readonly ExportCell[]): string {
  const rows = cells.map(({ imagePath, cell }) => {
    if (cell.type !== 'result') {
      return [imagePath, cell.service ?? '', '', '', '', '', '', '', '', '', '', cell.type === 'error' ? cell.message : 'not classified yet'];
    }
    const top = cell.predictions[0];
    return [
      imagePath,
      cell.service.name,
      cell.service.synthetic ? 'generated' : 'real',
      cell.service.backend,
      cell.service.precision,
      top?.index ?? '',
      top?.label ?? '',
      top ? top.score.toFixed(6) : '',
      cell.predictions.map((p) => `${p.label} (${p.score.toFixed(4)})`).join('; '),
      cell.totalMs.toFixed(2),
      cell.roundTripMs.toFixed(2),
      '',
    ];
  });
  return [CSV_HEADER, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  bmp: 'image/bmp',
  gif: 'image/gif',
  webp: 'image/webp',
};

/**
 * The image's MIME type for its data: URI. The bytes decide, not the name: a PNG saved as
 * .jpg still shows. The name is the fallback for formats the service may accept but this
 * does not recognize.
 */
export function imageMimeType(bytes: Uint8Array, fileName: string): string {
  const starts = (...prefix: number[]): boolean => prefix.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  return EXTENSION_TYPES[extension] ?? 'application/octet-stream';
}

export function imageDataUri(bytes: Uint8Array, fileName: string): string {
  return `data:${imageMimeType(bytes, fileName)};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}
