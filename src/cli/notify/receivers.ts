/**
 * Where `--notify` sends: a Slack-compatible incoming webhook (POST `{"text": …}`) or an SNS topic (Publish,
 * through the runbook account that owns it). Every value is checked before anything runs; a webhook URL is a
 * credential, so only its digest and its scheme and host are ever kept or shown.
 */
import { createHash } from "node:crypto";
import { sns } from "../../aws/sdk.js";
import type { AwsSession } from "../../aws/session.js";
import { errorMessage, HikkoshiError } from "../../core/errors.js";
import type { Runbook } from "../../runbook/types.js";

export interface Receiver {
  /** Digest of the URL or topic ARN: the key of what was sent to it (state file). */
  id: string;
  /** What a notice may show: `https://hooks.slack.com`, `sns:arn:aws:sns:…:topic`. */
  label: string;
  /** Send one message; rejects with a short reason (never a response body). */
  send(message: { subject: string; text: string }, signal: AbortSignal): Promise<void>;
}

export type ReceiverSpec =
  | { kind: "webhook"; url: URL; id: string; label: string }
  | { kind: "sns"; topicArn: string; region: string; alias: string; id: string; label: string };

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const TOPIC_ARN = /^arn:aws:sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

const digest = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

function usage(message: string, hint: string): HikkoshiError {
  return new HikkoshiError("USAGE", message, { hint });
}

/** Check every `--notify` value against the runbook; all problems at once. */
export function parseNotifyTargets(values: readonly string[], runbook: Runbook): ReceiverSpec[] {
  const problems: string[] = [];
  const specs: ReceiverSpec[] = [];
  for (const value of values) {
    const spec = parseOne(value, runbook);
    if (typeof spec === "string") problems.push(spec);
    else if (!specs.some((s) => s.id === spec.id)) specs.push(spec);
  }
  if (problems.length > 0) {
    throw usage(
      `--notify: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join("\n  - ")}`}`,
      "give an https:// webhook URL (http://localhost for a local test receiver) or sns:arn:aws:sns:<region>:<account id>:<topic> of an account in the runbook",
    );
  }
  return specs;
}

function parseOne(value: string, runbook: Runbook): ReceiverSpec | string {
  if (value.startsWith("sns:")) {
    const arn = value.slice(4);
    const m = TOPIC_ARN.exec(arn);
    if (!m) return `"${value}" is not sns:arn:aws:sns:<region>:<12-digit account id>:<topic name>`;
    const [, region, accountId] = m as unknown as [string, string, string];
    const owners = Object.values(runbook.accounts).filter((a) => a.id === accountId);
    const owner = owners.find((a) => a.region === region) ?? owners[0];
    if (!owner) {
      const known = Object.values(runbook.accounts).map((a) => `${a.alias} (${a.id})`);
      return `the topic ${arn} belongs to account ${accountId}, which is not one of the runbook's accounts: ${known.join(", ")}`;
    }
    return { kind: "sns", topicArn: arn, region, alias: owner.alias, id: digest(arn), label: `sns:${arn}` };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${redact(value)}" is neither a URL nor sns:<topic ARN>`;
  }
  const local = url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !local)
    return `${url.protocol}//${url.host} is not https:// (http only to localhost)`;
  if (url.username || url.password) return `${url.protocol}//${url.host}: credentials in the URL are not accepted`;
  return { kind: "webhook", url, id: digest(url.href), label: `${url.protocol}//${url.host}` };
}

/** A value that did not parse as a URL is still shown without what might be its secret part. */
function redact(value: string): string {
  return value.length > 24 ? `${value.slice(0, 24)}…` : value;
}

export function receiverFor(spec: ReceiverSpec, session: AwsSession): Receiver {
  if (spec.kind === "webhook") {
    return {
      id: spec.id,
      label: spec.label,
      async send(message, signal) {
        let res: Response;
        try {
          res = await fetch(spec.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: message.text }),
            signal,
            redirect: "error",
          });
        } catch (err) {
          throw new Error(signal.aborted ? "no answer in time" : `not reached (${causeOf(err)})`);
        }
        // The body is not read: it is the receiver's, and may echo what it was sent.
        await res.body?.cancel().catch(() => {});
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      },
    };
  }
  return {
    id: spec.id,
    label: spec.label,
    async send(message, signal) {
      const client = session.client(spec.alias, "sns", spec.region);
      try {
        await client.send(
          new sns.PublishCommand({ TopicArn: spec.topicArn, Subject: message.subject, Message: message.text }),
          { abortSignal: signal },
        );
      } catch (err) {
        if (signal.aborted) throw new Error("no answer in time");
        // The code only (AuthorizationError, NotFound…): an AWS message may carry more than the operator needs.
        const name = (err as { name?: unknown } | null)?.name;
        throw new Error(`SNS ${typeof name === "string" ? name : "error"}`);
      }
    },
  };
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === "string" ? cause.code : errorMessage(err).slice(0, 60);
}
