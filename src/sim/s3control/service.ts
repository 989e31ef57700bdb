import { digest } from "../ids.js";
import type { AwsError } from "../outcome.js";
import type { HttpReply, Service } from "../protocol/types.js";
import { isS3ControlRequest } from "../s3/service.js";
import { type ControlRequest, controlActions } from "./handlers.js";

function hostId(requestId: string): string {
  return Buffer.from(digest("s3control-host", requestId), "hex").toString("base64");
}

/** S3 Control errors come wrapped: `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error>…`. */
function failure(error: AwsError, requestId: string): HttpReply {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return {
    status: error.status,
    headers: { "content-type": "application/xml", "x-amz-request-id": requestId, "x-amz-id-2": hostId(requestId) },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Code>${esc(error.code)}</Code><Message>${esc(error.message)}</Message></Error><RequestId>${requestId}</RequestId><HostId>${hostId(requestId)}</HostId></ErrorResponse>`,
  };
}

function operationOf(method: string, segments: string[]): string {
  const [collection, id, sub] = segments;
  if (collection !== "jobs") return `Unsupported${method}`;
  if (id === undefined) return method === "POST" ? "CreateJob" : "ListJobs";
  if (sub === undefined) return method === "GET" ? "DescribeJob" : `Unsupported${method}Job`;
  if (sub === "status" && method === "POST") return "UpdateJobStatus";
  if (sub === "priority" && method === "POST") return "UpdateJobPriority";
  return `Unsupported${method}Job`;
}

/**
 * S3 Control (Batch Operations jobs) over REST/XML under /v20180820/, account id in x-amz-account-id
 * (the client's endpointProvider keeps it out of the host name). Signs as "s3"; counted as "s3control".
 */
export function createS3ControlService(): Service {
  return {
    name: "s3control",
    signingName: "s3",
    matches: isS3ControlRequest,
    codes: {
      throttle: "TooManyRequestsException",
      unknownAction: "NotImplemented",
      unknownKey: "InvalidAccessKeyId",
      unknownKeyStatus: 403,
      expiredToken: { code: "ExpiredToken", status: 400, message: "The provided token has expired." },
    },
    readAction(req) {
      const segments = req.rawPath
        .split("/")
        .slice(2)
        .filter((s) => s !== "")
        .map(decodeURIComponent);
      const input: ControlRequest = {
        method: req.method.toUpperCase(),
        segments,
        query: req.query,
        accountHeader: req.headers["x-amz-account-id"],
        text: req.body,
      };
      return { ok: true, value: { action: operationOf(input.method, segments), input } };
    },
    invoke(ctx, action, input) {
      const req = input as ControlRequest;
      const handler = Object.hasOwn(controlActions, action) ? controlActions[action] : undefined;
      let error: AwsError | undefined;
      let body = "";
      if (req.accountHeader !== ctx.account) {
        error = {
          code: "AccessDenied",
          message: `x-amz-account-id ${req.accountHeader ?? "(missing)"} is not the caller's account`,
          status: 403,
        };
      } else if (!handler) {
        error = {
          code: "NotImplemented",
          message: `The simulator does not implement ${action} for S3 Control.`,
          status: 501,
        };
      } else {
        const outcome = handler(ctx, req);
        if (outcome.ok) body = `<?xml version="1.0" encoding="UTF-8"?>\n${outcome.value}`;
        else error = outcome.error;
      }
      if (error) return { reply: failure(error, ctx.requestId), error };
      return {
        reply: {
          status: 200,
          headers: {
            "content-type": "application/xml",
            "x-amz-request-id": ctx.requestId,
            "x-amz-id-2": hostId(ctx.requestId),
          },
          body,
        },
      };
    },
    failure,
  };
}
