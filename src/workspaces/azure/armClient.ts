/**
 * A small Azure Resource Manager client on the Azure SDK's own HTTP pipeline
 * (@azure/core-rest-pipeline): bearer tokens from any TokenCredential, retries with
 * exponential backoff on 5xx and network errors, throttling retries that honour
 * `Retry-After` on 429/503, a timeout per request and cancellation. Long-running operations
 * are polled by @azure/core-lro (`Azure-AsyncOperation`, `Location`, `Retry-After`).
 *
 * Why not @azure/arm-machinelearning: its latest release (2.1.x) is generated for
 * api-version 2022-10-01, not a current stable one, and adds ~360 kB minified (plus
 * core-client, core-paging and an older core-lro) to bundles that use a dozen calls. The
 * request and response shapes written by hand in this folder follow the specification's
 * `stable/2025-09-01` files; the transport, retries, auth and polling are the SDK's.
 */
import type { TokenCredential } from '@azure/core-auth';
import { createHttpPoller } from '@azure/core-lro';
import type { OperationResponse, OperationState, ResourceLocationConfig } from '@azure/core-lro';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import type { HttpClient, HttpMethods, Pipeline, PipelineRetryOptions, TlsSettings } from '@azure/core-rest-pipeline';
import { WorkspaceError } from '../workspaceError';
import { ML_API_VERSION } from './armApi';
import { armErrorOf, armStatusError, armTransportError } from './armErrors';

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';
const REQUEST_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 5_000;
const PROGRESS_EVERY_MS = 15_000;

export interface ArmClientOptions {
  credential: TokenCredential;
  /** The Resource Manager endpoint of the cloud (default: public Azure). */
  armEndpoint?: string;
  /**
   * Certificates to trust besides the system's, for a private cloud or a test server when
   * NODE_EXTRA_CA_CERTS cannot be set before Node starts (the extension host, a test).
   */
  tlsOptions?: TlsSettings;
  retryOptions?: PipelineRetryOptions;
  /** Between polls of a long-running operation, unless the service says otherwise (`Retry-After`). */
  pollIntervalMs?: number;
}

export interface ArmRequest {
  method: HttpMethods;
  /** A path under the ARM endpoint (`/subscriptions/…`) or an absolute URL on it (`nextLink`, polling URLs). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** What the request is about, for messages: "endpoint e1 in workspace w". */
  what: string;
  signal?: AbortSignal;
  /** Default: the Machine Learning api-version; absolute URLs keep theirs. */
  apiVersion?: string;
}

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface LongRunningOptions {
  /** Where the result is, as the specification's `x-ms-long-running-operation-options` says. */
  finalStateVia?: ResourceLocationConfig;
  onProgress?: (message: string) => void;
}

export interface LongRunningOutcome {
  status: 'succeeded' | 'failed' | 'canceled';
  /** The platform's message when it failed or was cancelled. */
  error?: string;
  /** The final resource, when the operation has one. */
  result?: unknown;
}

export class ArmClient {
  readonly endpoint: string;
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient = createDefaultHttpClient();
  private readonly pollIntervalMs: number;

  constructor(options: ArmClientOptions) {
    this.endpoint = normalizeEndpoint(options.armEndpoint ?? PUBLIC_ARM_ENDPOINT);
    this.pollIntervalMs = options.pollIntervalMs ?? POLL_INTERVAL_MS;
    this.pipeline = createPipelineFromOptions({
      retryOptions: { maxRetries: 4, ...options.retryOptions },
      userAgentOptions: { userAgentPrefix: 'fpga-model-services' },
      ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    });
    // The policy refuses plain http: a test or private ARM server has to speak HTTPS.
    this.pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: `${this.endpoint}/.default` }));
  }

  /** Sends one request; any status of 400 or more becomes a WorkspaceError. */
  async send(request: ArmRequest): Promise<ArmResponse> {
    const url = this.urlOf(request);
    let response;
    try {
      response = await this.pipeline.sendRequest(
        this.httpClient,
        createPipelineRequest({
          url,
          method: request.method,
          headers: createHttpHeaders({ accept: 'application/json', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) }),
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          timeout: REQUEST_TIMEOUT_MS,
          ...(request.signal ? { abortSignal: request.signal } : {}),
        }),
      );
    } catch (error) {
      throw armTransportError(error, request.what, this.endpoint, request.signal);
    }
    const body = parseBody(response.bodyAsText);
    if (response.status >= 400) throw armStatusError(response.status, body, request.what);
    return { status: response.status, headers: response.headers.toJSON({ preserveCase: false }), body };
  }

  async json<T>(request: ArmRequest): Promise<T> {
    return (await this.send(request)).body as T;
  }

  /** Every item of a paged list, following `nextLink` until there is none. */
  async listAll<T>(request: ArmRequest): Promise<T[]> {
    const items: T[] = [];
    let next: ArmRequest | undefined = request;
    while (next) {
      const page: { value?: T[]; nextLink?: string | null } = await this.json(next);
      items.push(...(page.value ?? []));
      next = page.nextLink ? { method: 'GET', path: page.nextLink, what: request.what, ...(request.signal ? { signal: request.signal } : {}) } : undefined;
    }
    return items;
  }

  /**
   * Starts a long-running operation and polls it to the end. Cancelling the signal stops the
   * polling (a WorkspaceError 'cancelled'); the operation itself goes on in Azure.
   */
  async longRunning(request: ArmRequest, options: LongRunningOptions = {}): Promise<LongRunningOutcome> {
    const started = Date.now();
    let lastProgress = 0;
    // core-lro words a failure its own way; the last answer has the platform's `error` as it is.
    let lastBody: unknown;
    const poller = createHttpPoller<unknown, OperationState<unknown>>(
      {
        sendInitialRequest: async () => this.operationResponse(request, await this.send(request)),
        sendPollRequest: async (path) => {
          const poll: ArmRequest = { method: 'GET', path, what: request.what, ...(request.signal ? { signal: request.signal } : {}) };
          const response = await this.send(poll);
          lastBody = response.body;
          return this.operationResponse(poll, response);
        },
      },
      {
        intervalInMs: this.pollIntervalMs,
        resolveOnUnsuccessful: true,
        ...(options.finalStateVia ? { resourceLocationConfig: options.finalStateVia } : {}),
      },
    );
    poller.onProgress((state) => {
      const now = Date.now();
      if (!options.onProgress || state.status !== 'running' || (lastProgress && now - lastProgress < PROGRESS_EVERY_MS)) return;
      lastProgress = now;
      options.onProgress(`${request.what}: in progress (${Math.round((now - started) / 1000)} s)`);
    });
    let result: unknown;
    try {
      result = await poller.pollUntilDone(request.signal ? { abortSignal: request.signal } : {});
    } catch (error) {
      throw armTransportError(error, request.what, this.endpoint, request.signal);
    }
    const state = poller.operationState;
    const status = state?.status === 'failed' || state?.status === 'canceled' ? state.status : 'succeeded';
    const message = armErrorOf(lastBody)?.message ?? state?.error?.message;
    return { status, ...(message ? { error: message } : {}), ...(result !== undefined ? { result } : {}) };
  }

  private operationResponse(request: ArmRequest, response: ArmResponse): OperationResponse<unknown> {
    return {
      flatResponse: response.body,
      rawResponse: { statusCode: response.status, headers: response.headers, body: response.body, request: { method: request.method, url: this.urlOf(request) } },
    };
  }

  /**
   * Absolute URLs (nextLink, polling locations) must stay on the ARM endpoint: the bearer
   * token goes wherever the request goes.
   */
  private urlOf(request: ArmRequest): string {
    const url = /^https?:\/\//i.test(request.path) ? new URL(request.path) : new URL(this.endpoint + request.path);
    if (url.origin !== new URL(this.endpoint).origin) {
      throw new WorkspaceError('unavailable', `${request.what}: Azure pointed at ${url.origin}, which is not the Resource Manager endpoint ${this.endpoint}; refusing to send credentials there`);
    }
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', request.apiVersion ?? ML_API_VERSION);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    return url.toString();
  }
}

function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new WorkspaceError('bad_request', `the ARM endpoint "${endpoint}" is not a URL: give one like ${PUBLIC_ARM_ENDPOINT}`);
  }
  if (url.protocol !== 'https:') throw new WorkspaceError('bad_request', `the ARM endpoint ${endpoint} must use https: Azure sends tokens over TLS only`);
  return url.origin;
}

function parseBody(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML page or plain text: keep its first line as the message.
    return { error: { message: text.trim().split('\n')[0]?.slice(0, 300) } };
  }
}
