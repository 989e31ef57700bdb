import { digest } from "../ids.js";
import type { CallContext, HttpReply, RawRequest, Service } from "../protocol/types.js";
import { bucketActions } from "./buckets.js";
import type { S3Handler } from "./common.js";
import { configActions } from "./configs.js";
import { copyActions } from "./copy.js";
import { deleteObjectsActions } from "./delete-objects.js";
import { listActions } from "./list.js";
import { listV1Actions } from "./list-v1.js";
import { multipartActions } from "./multipart.js";
import { multipartListActions } from "./multipart-list.js";
import { objectLockActions } from "./object-lock.js";
import { objectActions } from "./objects.js";
import { readActions } from "./read.js";
import { operationOf, readS3Request, type S3Request } from "./request.js";
import { taggingActions } from "./tagging.js";
import { type S3Outcome, type S3Reply, s3ErrorReply, s3Fail } from "./xml.js";

export const s3Actions: Record<string, S3Handler> = {
  ...bucketActions,
  ...readActions,
  ...objectActions,
  ...copyActions,
  ...multipartActions,
  ...multipartListActions,
  ...listActions,
  ...listV1Actions,
  ...deleteObjectsActions,
  ...configActions,
  ...taggingActions,
  ...objectLockActions,
};

/**
 * `x-amz-expected-bucket-owner`: a request for an existing bucket of another account is denied before it
 * has any effect (every operation, DeleteObjects and the listings included). The copy source's owner
 * (`x-amz-source-expected-bucket-owner`) is checked where the source is read (copy.ts).
 */
function expectedOwnerFails(ctx: CallContext, req: S3Request): S3Outcome<S3Reply> | undefined {
  const expected = req.headers["x-amz-expected-bucket-owner"];
  const bucket = req.bucket === undefined ? undefined : ctx.world.s3.buckets.get(req.bucket);
  if (expected === undefined || !bucket || bucket.owner === expected) return undefined;
  return s3Fail("AccessDenied", "Access Denied", 403);
}

function hostId(requestId: string): string {
  return Buffer.from(digest("s3-host", requestId), "hex").toString("base64");
}

/** S3 Control shares the signing name: its paths start with /v20180820/. */
export function isS3ControlRequest(req: RawRequest): boolean {
  return req.rawPath.startsWith("/v20180820/");
}

/**
 * S3 over REST/XML: the operation comes from method, bucket/key (path-style or virtual-host) and
 * subresources; handlers answer status, headers and body; errors are S3's bare `<Error>` documents.
 */
export function createS3Service(): Service {
  return {
    name: "s3",
    matches: (req) => !isS3ControlRequest(req),
    codes: {
      throttle: "SlowDown",
      throttleStatus: 503,
      unknownAction: "NotImplemented",
      unknownKey: "InvalidAccessKeyId",
      unknownKeyStatus: 403,
      expiredToken: { code: "ExpiredToken", status: 400, message: "The provided token has expired." },
    },
    readAction(req) {
      const input = readS3Request(req);
      return { ok: true, value: { action: operationOf(input), input } };
    },
    invoke(ctx, action, input) {
      const handler = Object.hasOwn(s3Actions, action) ? s3Actions[action] : undefined;
      const outcome = handler
        ? (expectedOwnerFails(ctx, input as S3Request) ?? handler(ctx, input as S3Request))
        : {
            ok: false as const,
            error: {
              code: "NotImplemented",
              message: `A header you provided implies functionality that is not implemented (the simulator does not implement ${action}).`,
              status: 501,
            },
          };
      if (!outcome.ok)
        return { reply: s3ErrorReply(outcome.error, ctx.requestId, hostId(ctx.requestId)), error: outcome.error };
      const r = outcome.value;
      const reply: HttpReply = {
        status: r.status ?? 200,
        headers: { "x-amz-request-id": ctx.requestId, "x-amz-id-2": hostId(ctx.requestId), ...(r.headers ?? {}) },
        body: r.body ?? "",
      };
      return { reply };
    },
    failure: (error, requestId) => s3ErrorReply(error, requestId, hostId(requestId)),
  };
}
