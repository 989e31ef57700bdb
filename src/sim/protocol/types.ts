import type { AwsError, Outcome } from "../outcome.js";
import type { Principal, World } from "../world.js";

export interface RawRequest {
  method: string;
  path: string;
  /**
   * The path exactly as sent (still percent-encoded, dot segments kept): S3 keys such as `./a` or `a/../b`
   * are names, not paths to normalise.
   */
  rawPath: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** The body as UTF-8 text (query and JSON protocols). */
  body: string;
  /** The raw body, for protocols that carry bytes (S3 objects). */
  bytes: Buffer;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** What every handler gets: the world, who calls, where, and the virtual time of the call. */
export interface CallContext {
  world: World;
  principal: Principal;
  account: string;
  region: string;
  /** Virtual time of the call (epoch ms). */
  now: number;
  /** Real time of the call, for the rare answer a client compares with its own clock. */
  realNow: number;
  requestId: string;
}

export type Handler<I> = (ctx: CallContext, input: I) => Outcome<Record<string, unknown>>;

/** A wire protocol: how an action and its input are read, and how answers and errors are written. */
export interface Protocol<I> {
  readAction(req: RawRequest): Outcome<{ action: string; input: I }>;
  success(action: string, output: Record<string, unknown>, requestId: string): HttpReply;
  failure(error: AwsError, requestId: string): HttpReply;
  /** Error codes this protocol's services use for the common cases. */
  codes: {
    throttle: string;
    /** HTTP status of the throttling error (S3 answers SlowDown with 503). Default 400. */
    throttleStatus?: number;
    unknownAction: string;
    unknownKey: string;
    unknownKeyStatus: number;
    /** The answer to a request signed with an assumed-role session that ended (Simulator, enforceSessionExpiry). */
    expiredToken: { code: string; status: number; message: string };
  };
}

/** One AWS service of the simulator: a signing name, a protocol and its action handlers. */
export interface Service {
  /** Service name in stats and fault rules, e.g. "rds". Also the SigV4 signing name unless `signingName` says. */
  name: string;
  /** SigV4 signing name when it differs from `name` (S3 Control signs as "s3"). */
  signingName?: string;
  /**
   * For services that share a signing name (S3 and S3 Control both sign as "s3"): does this request belong
   * to this service? Absent = every request with the signing name.
   */
  matches?(req: RawRequest): boolean;
  readAction(req: RawRequest): Outcome<{ action: string; input: unknown }>;
  /** Run the action; `error` is set when the answer is an AWS error (for the stats). */
  invoke(ctx: CallContext, action: string, input: unknown): { reply: HttpReply; error?: AwsError };
  failure(error: AwsError, requestId: string): HttpReply;
  codes: Protocol<unknown>["codes"];
}

export function defineService<I>(
  name: string,
  protocol: Protocol<I>,
  actions: Record<string, Handler<I>>,
  options: { matches?: (req: RawRequest) => boolean } = {},
): Service {
  return {
    name,
    matches: options.matches,
    codes: protocol.codes,
    // Unknown actions are read like any other, so they are counted, and answered by invoke.
    readAction: (req) => protocol.readAction(req),
    invoke(ctx, action, input) {
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      const outcome = handler
        ? handler(ctx, input as I)
        : {
            ok: false as const,
            error: {
              code: protocol.codes.unknownAction,
              message: `The action ${action} is not valid for this web service (the simulator does not implement it for ${name}).`,
              status: 400,
            },
          };
      if (outcome.ok) return { reply: protocol.success(action, outcome.value, ctx.requestId) };
      return { reply: protocol.failure(outcome.error, ctx.requestId), error: outcome.error };
    },
    failure: (error, requestId) => protocol.failure(error, requestId),
  };
}
