import { isScalar, type Node } from "yaml";
import type { Json } from "../core/json.js";
import { suggest } from "./diagnostics.js";
import type { RawRunbook } from "./raw.js";
import { readSteps } from "./read-steps.js";
import type { AccountSpec } from "./types.js";
import { type Entry, expectMap, kindOf, mapEntries, type ReadCtx, readFields, readString, toJs } from "./yaml-read.js";

const TOP = {
  required: ["version", "name", "accounts", "steps"],
  optional: ["description", "endpoint", "lock", "params"],
};
const LOCK = { required: ["account", "bucket"], optional: ["prefix"] };
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ACCOUNT = {
  required: ["id", "region"],
  optional: ["profile", "roleArn", "externalId", "sessionName", "endpoint"],
};
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

/** Read the whole document into the raw model, reporting every structural problem. */
export function readRunbook(ctx: ReadCtx): RawRunbook {
  const root = ctx.doc.contents as Node | null;
  const raw: RawRunbook = { accounts: {}, accountNodes: new Map(), params: {}, paramNodes: new Map(), steps: [] };
  const f = readFields(ctx, root, "runbook", TOP, root);
  if (!f) return raw;
  const version = f.get("version");
  if (version && !(isScalar(version.value) && version.value.value === 1)) {
    ctx.sink.report(
      "RB_BAD_VERSION",
      "unsupported runbook version",
      { node: version.value ?? version.keyNode },
      { hint: "write 'version: 1'" },
    );
  }
  const name = readString(ctx, f.get("name"), "name");
  if (name !== undefined && !NAME.test(name)) {
    ctx.sink.report(
      "RB_BAD_NAME",
      `name '${name}' is not a slug`,
      { node: f.get("name")?.value },
      {
        hint: "lowercase letters, digits and hyphens, starting with a letter, at most 63 characters",
      },
    );
  }
  if (name !== undefined) raw.name = name;
  const description = readString(ctx, f.get("description"), "description");
  if (description !== undefined) raw.description = description;
  const endpoint = readEndpoint(ctx, f.get("endpoint"));
  if (endpoint !== undefined) raw.endpoint = endpoint;
  readAccounts(ctx, f.get("accounts"), raw);
  readLock(ctx, f.get("lock"), raw);
  readParams(ctx, f.get("params"), raw);
  raw.steps = readSteps(ctx, f.get("steps"));
  return raw;
}

/** `lock: { account, bucket, prefix? }`: the shared migration lock's bucket (see engine/shared-lock.ts). */
function readLock(ctx: ReadCtx, e: Entry | undefined, raw: RawRunbook): void {
  if (!e) return;
  const f = readFields(ctx, e.value, "lock", LOCK, e.keyNode);
  if (!f) return;
  const account = readString(ctx, f.get("account"), "lock: account");
  const bucket = readString(ctx, f.get("bucket"), "lock: bucket");
  const prefix = readString(ctx, f.get("prefix"), "lock: prefix");
  if (account !== undefined && raw.accounts[account] === undefined) {
    const aliases = Object.keys(raw.accounts);
    ctx.sink.report(
      "RB_UNKNOWN_ACCOUNT",
      `lock: account '${account}' is not defined in accounts`,
      { node: f.get("account")?.value },
      { hint: suggest(account, aliases) ?? `one of: ${aliases.join(", ")}` },
    );
  }
  if (bucket !== undefined && !BUCKET.test(bucket)) {
    ctx.sink.report(
      "RB_INVALID_PARAM",
      `lock: '${bucket}' is not an S3 bucket name`,
      { node: f.get("bucket")?.value },
      { hint: "3–63 lowercase letters, digits, dots and hyphens" },
    );
  }
  if (account !== undefined && bucket !== undefined) {
    raw.lock = { account, bucket, ...(prefix !== undefined ? { prefix } : {}) };
  }
}

function readEndpoint(ctx: ReadCtx, e: Entry | undefined): string | undefined {
  const url = readString(ctx, e, "endpoint");
  if (url === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(url)) {
    ctx.sink.report(
      "RB_BAD_ENDPOINT",
      `endpoint '${url}' is not an http(s) URL`,
      { node: e?.value },
      { hint: "e.g. http://127.0.0.1:4566" },
    );
  }
  return url;
}

function readAccounts(ctx: ReadCtx, e: Entry | undefined, raw: RawRunbook): void {
  if (!e) return;
  if (!expectMap(ctx, e, "accounts")) return;
  for (const a of mapEntries(ctx, e.value)) {
    raw.accountNodes.set(a.key, a.keyNode);
    const what = `account '${a.key}'`;
    const f = readFields(ctx, a.value, what, ACCOUNT, a.keyNode);
    const spec: AccountSpec = { alias: a.key, id: readAccountId(ctx, f?.get("id"), a.key), region: "" };
    spec.region = readRegion(ctx, f?.get("region"), what);
    for (const k of ["profile", "roleArn", "externalId", "sessionName"] as const) {
      const v = readString(ctx, f?.get(k), `${what}: ${k}`);
      if (v !== undefined) spec[k] = v;
    }
    const ep = readEndpoint(ctx, f?.get("endpoint"));
    if (ep !== undefined) spec.endpoint = ep;
    if (spec.profile !== undefined && spec.roleArn !== undefined) {
      ctx.sink.report(
        "RB_ACCOUNT_AUTH_CONFLICT",
        `${what}: set either profile or roleArn, not both`,
        { node: f?.get("roleArn")?.keyNode },
        {
          hint: "profile uses ~/.aws/config; roleArn assumes a role from the default credential chain",
        },
      );
    }
    for (const k of ["externalId", "sessionName"] as const) {
      if (spec[k] !== undefined && spec.roleArn === undefined) {
        ctx.sink.report(
          "RB_ACCOUNT_AUTH_CONFLICT",
          `${what}: ${k} only applies with roleArn`,
          { node: f?.get(k)?.keyNode },
          { hint: `add roleArn or remove ${k}` },
        );
      }
    }
    if (spec.roleArn !== undefined && !ROLE_ARN.test(spec.roleArn)) {
      ctx.sink.report(
        "RB_BAD_ROLE_ARN",
        `${what}: '${spec.roleArn}' is not an IAM role ARN`,
        { node: f?.get("roleArn")?.value },
        {
          hint: "arn:aws:iam::<12-digit account id>:role/<name>",
        },
      );
    }
    raw.accounts[a.key] = spec;
  }
}

function readRegion(ctx: ReadCtx, e: Entry | undefined, what: string): string {
  const region = readString(ctx, e, `${what}: region`) ?? "";
  if (region === "" || !ctx.regions || ctx.regions.isKnown(region)) return region;
  ctx.sink.report(
    "RB_UNKNOWN_REGION",
    `${what}: unknown region '${region}'`,
    { node: e?.value },
    { hint: suggest(region, ctx.regions.names(), "regions the AWS SDK knows") },
  );
  return region;
}

function readAccountId(ctx: ReadCtx, e: Entry | undefined, alias: string): string {
  if (!e) return "";
  const node = e.value;
  if (isScalar(node) && typeof node.value === "number") {
    const written = ctx.sink.locate({ node }).text ?? String(node.value);
    ctx.sink.report(
      "RB_ACCOUNT_ID_NOT_STRING",
      `account '${alias}': id is a YAML number`,
      { node },
      {
        hint: `quote it: id: "${written.padStart(12, "0")}" (numbers lose leading zeros)`,
      },
    );
    return written;
  }
  if (isScalar(node) && typeof node.value === "string") {
    if (!/^\d{12}$/.test(node.value)) {
      ctx.sink.report(
        "RB_BAD_ACCOUNT_ID",
        `account '${alias}': id '${node.value}' is not 12 digits`,
        { node },
        {
          hint: 'an AWS account id is exactly 12 digits, quoted: id: "123456789012"',
        },
      );
    }
    return node.value;
  }
  ctx.sink.report("RB_BAD_ACCOUNT_ID", `account '${alias}': id must be a quoted 12-digit string, not ${kindOf(node)}`, {
    node: node ?? e.keyNode,
  });
  return "";
}

function readParams(ctx: ReadCtx, e: Entry | undefined, raw: RawRunbook): void {
  if (!e) return;
  raw.paramsKeyNode = e.keyNode;
  if (!expectMap(ctx, e, "params")) return;
  for (const p of mapEntries(ctx, e.value)) {
    raw.params[p.key] = (toJs(ctx, p.value) ?? null) as Json;
    raw.paramNodes.set(p.key, p.keyNode);
  }
}
