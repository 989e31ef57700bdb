/**
 * Connection and request timeouts for every SDK client. Without them an endpoint that accepts the
 * connection and never answers hangs the caller forever (AWS-FACTS). A timeout becomes an EndpointTimeout
 * naming the service and the endpoint, which the SDK does not retry (its name and code are not in the
 * SDK's transient lists, and it keeps no `cause`): a silent endpoint is said after one request timeout,
 * not after three, and the engine's task-level retry (journaled) is the only loop around it.
 */
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { envNumber } from "../core/env.js";
import { HikkoshiError } from "../core/errors.js";

export interface TimeoutSettings {
  /** TCP (and TLS) connection. */
  connectMs: number;
  /** Until the response headers arrive (the connection included). Bodies are not bounded by it. */
  requestMs: number;
  /** The same for S3 calls that copy data server-side (CopyObject, UploadPartCopy, CompleteMultipartUpload). */
  copyMs: number;
}

/**
 * Most AWS calls answer in well under a second; 25 s (under 30 s with start-up) is long for an answer and short for an operator
 * waiting at `plan`. S3 copies are the exception: S3 copies the bytes before it answers, and a 5 GB
 * UploadPartCopy or CopyObject legitimately takes minutes (whether S3 starts its 200 early is not
 * documented), as does CompleteMultipartUpload of a big object. They get their own, longer timeout per
 * request, so a silent S3 endpoint is still noticed within the ordinary one on every other call.
 */
export const DEFAULT_TIMEOUTS: TimeoutSettings = { connectMs: 10_000, requestMs: 25_000, copyMs: 15 * 60_000 };

const ENV: Record<keyof TimeoutSettings, string> = {
  connectMs: "HIKKOSHI_CONNECT_TIMEOUT_MS",
  requestMs: "HIKKOSHI_REQUEST_TIMEOUT_MS",
  copyMs: "HIKKOSHI_COPY_TIMEOUT_MS",
};

export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): TimeoutSettings {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const key of Object.keys(ENV) as Array<keyof TimeoutSettings>) {
    const ms = envNumber(env, ENV[key], (n) => Number.isInteger(n) && n > 0, "a positive whole number of milliseconds");
    if (ms !== undefined) out[key] = ms;
  }
  return out;
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}

/** A connection or an answer that did not come in time. Transient (kind "no-answer"), code AWS_NO_ANSWER. */
export class EndpointTimeout extends HikkoshiError {
  readonly service: string;
  readonly endpoint: string;
  readonly phase: "connect" | "answer";
  readonly timeoutMs: number | undefined;
  /** The HTTP handler's own message. Not a `cause`: the SDK would retry what the cause says is transient. */
  readonly detail: string;

  constructor(
    service: string,
    endpoint: string,
    phase: "connect" | "answer",
    timeoutMs: number | undefined,
    detail: string,
    /** The setting that would give it longer (default: the connect or the request timeout's). */
    setting: string = phase === "connect" ? ENV.connectMs : ENV.requestMs,
  ) {
    const within = timeoutMs === undefined ? "" : ` within ${formatSeconds(timeoutMs)}`;
    const what =
      phase === "connect"
        ? `could not connect to ${service} at ${endpoint}`
        : `no answer from ${service} at ${endpoint}`;
    super("AWS_NO_ANSWER", `${what}${within}`, {
      hint:
        `check the endpoint (--endpoint, the runbook's endpoint:, AWS_ENDPOINT_URL) and the network; if ${service} is ` +
        `legitimately slow, raise ${setting}`,
      resource: endpoint,
    });
    this.service = service;
    this.endpoint = endpoint;
    this.phase = phase;
    this.timeoutMs = timeoutMs;
    this.detail = detail;
  }
}

type Request = Parameters<NodeHttpHandler["handle"]>[0];
type Options = NonNullable<Parameters<NodeHttpHandler["handle"]>[1]>;

function header(request: Request, name: string): string | undefined {
  for (const [k, v] of Object.entries(request.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** S3 calls that copy bytes before they answer. */
export function isS3Copy(request: Request): boolean {
  if (header(request, "x-amz-copy-source") !== undefined) return true; // CopyObject, UploadPartCopy
  return request.method === "POST" && request.query?.uploadId !== undefined; // CompleteMultipartUpload
}

function endpointOf(request: Request): string {
  return `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}`;
}

/** The Node HTTP handler with hikkoshi's timeouts, and its timeouts turned into EndpointTimeout. */
export class TimedHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly service: string,
    private readonly timeouts: TimeoutSettings,
  ) {
    // throwOnRequestTimeout: without it the handler only logs a warning when requestTimeout passes.
    super({ connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.requestMs, throwOnRequestTimeout: true });
  }

  override async handle(request: Request, options: Options = {}) {
    const long = this.service === "s3" && isS3Copy(request);
    const requestTimeout = options.requestTimeout ?? (long ? this.timeouts.copyMs : this.timeouts.requestMs);
    try {
      return await super.handle(request, { ...options, requestTimeout });
    } catch (err) {
      if (!(err instanceof Error) || err.name !== "TimeoutError") throw err;
      // The handler's own timers say which one fired; a socket's ETIMEDOUT says neither.
      const where = endpointOf(request);
      if (/requestTimeout/.test(err.message)) {
        const setting = long && options.requestTimeout === undefined ? ENV.copyMs : ENV.requestMs;
        throw new EndpointTimeout(this.service, where, "answer", requestTimeout, err.message, setting);
      }
      if (/establish a connection/.test(err.message))
        throw new EndpointTimeout(this.service, where, "connect", this.timeouts.connectMs, err.message);
      throw new EndpointTimeout(this.service, where, "answer", undefined, err.message);
    }
  }
}
