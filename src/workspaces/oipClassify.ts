/**
 * Classifying an image is one Open Inference Protocol request, the same for every
 * workspace: `POST <scoring URI>` (a service's `/v2/models/<name>/infer`, or the endpoint in
 * front of it) with the image as one BYTES element in the binary tensor extension, asking
 * the classification extension for the top k as "score:index:label" strings.
 */
import { encodeBytesElements } from '../service/binaryCodec';
import type { CallOptions, Classification, ClassifyOptions, Prediction, StageEngineSummary } from './workspace';
import { WorkspaceError, errorKindOfStatus, isWorkspaceError } from './workspaceError';

const DEFAULT_TOP = 5;
const TIMEOUT_MS = 120_000;

export interface ScoringTarget {
  /** Service name, for messages. */
  service: string;
  scoringUri: string;
  key: string;
}

/** Classifies with one request; `round_trip_ms` is that request, end to end, as the caller saw it. */
export async function classifyOverOip(target: ScoringTarget, image: Uint8Array, options: ClassifyOptions = {}): Promise<Classification> {
  const top = options.top ?? DEFAULT_TOP;
  const data = encodeBytesElements([image]);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: data.length } }],
      outputs: [{ name: 'scores', parameters: { classification: top } }],
    }),
  );
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS);
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(target.scoringUri, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${target.key}`,
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, data]),
      signal,
    });
  } catch (error) {
    throw requestFailure(target, error, options.signal);
  }
  const body = await response.text();
  const roundTripMs = performance.now() - started;
  if (!response.ok) throw scoringError(target, response.status, body);
  return { ...parseClassification(target, body), round_trip_ms: Math.round(roundTripMs * 100) / 100 };
}

function requestFailure(target: ScoringTarget, error: unknown, signal: AbortSignal | undefined): WorkspaceError {
  if (signal?.aborted) return new WorkspaceError('cancelled', `classifying with ${target.service} was cancelled`);
  const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'it is not answering';
  return new WorkspaceError('unavailable', `cannot reach service ${target.service} at ${target.scoringUri}: ${reason}`);
}

function scoringError(target: ScoringTarget, status: number, body: string): WorkspaceError {
  const kind = errorKindOfStatus(status) ?? 'unavailable';
  // The service's own words say what is wrong; only a bare status needs to say who answered.
  const text = serverMessage(body) ?? `service ${target.service} answered HTTP ${status}`;
  return new WorkspaceError(kind, text, status);
}

/** `{"error": "..."}` (OIP), `{"message": "..."}` (Azure ML's endpoint front), or the first line of text. */
function serverMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: a proxy's page or plain text.
  }
  const line = body.trim().split('\n')[0]?.slice(0, 300);
  return line || undefined;
}

interface InferResponse {
  outputs?: { name?: string; datatype?: string; data?: unknown[] }[];
  parameters?: {
    backend?: string;
    engines?: Record<string, StageEngineSummary>;
    precision?: string;
    synthetic?: boolean;
    timings_ms?: Record<string, number>;
  };
}

function parseClassification(target: ScoringTarget, body: string): Classification {
  let parsed: InferResponse;
  try {
    parsed = JSON.parse(body) as InferResponse;
  } catch {
    throw new WorkspaceError('unavailable', `service ${target.service} answered with something that is not an OIP infer response (not JSON)`);
  }
  const output = parsed.outputs?.find((candidate) => candidate.name === 'scores') ?? parsed.outputs?.[0];
  if (output?.datatype !== 'BYTES' || !Array.isArray(output.data)) {
    throw new WorkspaceError('unavailable', `service ${target.service} did not answer with classification strings: is it an FPGA Model Services server?`);
  }
  const parameters = parsed.parameters ?? {};
  return {
    predictions: output.data.map((entry) => parsePrediction(target, entry)),
    timings_ms: parameters.timings_ms ?? {},
    backend: parameters.backend ?? null,
    ...(parameters.engines ? { engines: parameters.engines } : {}),
    ...(parameters.precision !== undefined ? { precision: parameters.precision } : {}),
    ...(parameters.synthetic !== undefined ? { synthetic: parameters.synthetic } : {}),
  };
}

/** Triton's "<score>:<index>[:<label>]"; a label may itself hold colons. */
function parsePrediction(target: ScoringTarget, entry: unknown): Prediction {
  const text = String(entry);
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  const score = Number(text.slice(0, first));
  const index = Number(second === -1 ? text.slice(first + 1) : text.slice(first + 1, second));
  if (first === -1 || !Number.isFinite(score) || !Number.isInteger(index)) {
    throw new WorkspaceError('unavailable', `service ${target.service} answered a classification string that is not "score:index:label": ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { index, label: second === -1 ? '' : text.slice(second + 1), score };
}

/**
 * The scoring URI and key of each service, looked up once, so that classifying is one
 * request. A key regenerated elsewhere (another window, the CLI, the portal) shows as a 401:
 * the target is looked up once more and the request sent again.
 */
export class ScoringTargets {
  private readonly targets = new Map<string, ScoringTarget>();

  constructor(private readonly lookup: (service: string, options: CallOptions) => Promise<ScoringTarget>) {}

  async classify(service: string, image: Uint8Array, options: ClassifyOptions = {}): Promise<Classification> {
    const cached = this.targets.get(service);
    try {
      return await classifyOverOip(cached ?? (await this.target(service, options)), image, options);
    } catch (error) {
      if (!cached || !isWorkspaceError(error, 'unauthorized')) throw error;
      this.targets.delete(service);
      return classifyOverOip(await this.target(service, options), image, options);
    }
  }

  /** After a deploy, delete or key change made here. */
  forget(service: string): void {
    this.targets.delete(service);
  }

  private async target(service: string, options: CallOptions): Promise<ScoringTarget> {
    const target = await this.lookup(service, options);
    this.targets.set(service, target);
    return target;
  }
}
