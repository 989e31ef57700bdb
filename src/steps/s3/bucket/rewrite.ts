/**
 * Account id and bucket-name rewriting inside captured JSON settings (policies, replication, …), with
 * every change listed so the plan can show a before/after snippet.
 */
import type { Json } from "../../../core/json.js";

export interface JsonChange {
  /** Where in the setting, e.g. "Statement[1].Principal.AWS[0]". */
  path: string;
  before: string;
  after: string;
}

export interface RewriteRules {
  /** Replace this 12-digit account id … */
  fromAccountId?: string | undefined;
  /** … by this one. */
  toAccountId?: string | undefined;
  /** Bucket renamed: `arn:<partition>:s3:::<fromBucket>[/…]` points at `toBucket`. */
  fromBucket?: string | undefined;
  toBucket?: string | undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** An account id as a whole number: not part of a longer run of digits. */
export function accountIdPattern(accountId: string): RegExp {
  return new RegExp(`(?<!\\d)${escapeRegExp(accountId)}(?!\\d)`, "g");
}

/**
 * Where an account id is an account reference (KMS key ARNs are references too, but never rewritten): the whole value ("111111111111", as in a principal or an
 * aws:SourceAccount condition) or inside an ARN. Bucket and object ARNs (`arn:aws:s3:::name`) hold no
 * account, and plain names (a bucket called "logs-111111111111") are names: neither is touched.
 */
export function namesAccount(text: string, accountId: string): boolean {
  if (text === accountId) return true;
  if (!text.startsWith("arn:") || /^arn:[a-z-]+:s3:::/.test(text)) return false;
  return accountIdPattern(accountId).test(text);
}

/** A KMS key ARN: its key id is unique to one account, so the same ARN under another account names nothing. */
function isKmsKeyArn(text: string): boolean {
  return /^arn:[a-z-]+:kms:[^:]*:\d{12}:key\//.test(text);
}

function rewriteString(text: string, rules: RewriteRules): string {
  let out = text;
  if (
    rules.fromAccountId &&
    rules.toAccountId &&
    rules.fromAccountId !== rules.toAccountId &&
    namesAccount(text, rules.fromAccountId) &&
    !isKmsKeyArn(text)
  ) {
    out = out.replace(accountIdPattern(rules.fromAccountId), rules.toAccountId);
  }
  if (rules.fromBucket && rules.toBucket && rules.fromBucket !== rules.toBucket) {
    const arn = new RegExp(`^(arn:[a-z-]+:s3:::)${escapeRegExp(rules.fromBucket)}(?=$|/)`);
    out = out.replace(arn, `$1${rules.toBucket}`);
  }
  return out;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Rewrites every string value (object keys stay), returning the new value and what changed. */
export function rewriteJson(value: Json, rules: RewriteRules, path = ""): { value: Json; changes: JsonChange[] } {
  if (typeof value === "string") {
    const after = rewriteString(value, rules);
    return { value: after, changes: after === value ? [] : [{ path, before: value, after }] };
  }
  if (Array.isArray(value)) {
    const changes: JsonChange[] = [];
    const out = value.map((item, i) => {
      const r = rewriteJson(item, rules, childPath(path, i));
      changes.push(...r.changes);
      return r.value;
    });
    return { value: out, changes };
  }
  if (value !== null && typeof value === "object") {
    const changes: JsonChange[] = [];
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const r = rewriteJson(item, rules, childPath(path, key));
      changes.push(...r.changes);
      out[key] = r.value;
    }
    return { value: out, changes };
  }
  return { value, changes: [] };
}

export interface AccountMention {
  path: string;
  text: string;
  /**
   * "account": the account itself (root ARN, bare id, a condition value) — rewriting fixes it.
   * "named": a role, user, topic, queue, function, key alias… of the account — rewriting points at the
   * same name in the target, which must exist there.
   * "unfixable": a KMS key ARN — key ids are unique, the same id in another account names nothing.
   */
  kind: "account" | "named" | "unfixable";
}

function mentionKind(text: string): AccountMention["kind"] {
  if (isKmsKeyArn(text)) return "unfixable";
  const arn = /^arn:[a-z-]+:([a-z0-9-]+):[a-z0-9-]*:\d{0,12}:(.*)$/.exec(text);
  if (!arn) return "account";
  return arn[1] === "iam" && arn[2] === "root" ? "account" : "named";
}

/** Every string in `value` that names `accountId`. */
export function accountMentions(value: Json, accountId: string, path = ""): AccountMention[] {
  if (typeof value === "string") {
    return namesAccount(value, accountId) ? [{ path, text: value, kind: mentionKind(value) }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => accountMentions(item, accountId, childPath(path, i)));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => accountMentions(item, accountId, childPath(path, key)));
  }
  return [];
}

/** "Statement[0].Principal.AWS: arn:…:111…:root → arn:…:222…:root" for at most `max` changes. */
export function describeChanges(changes: readonly JsonChange[], max = 3): string {
  const shown = changes.slice(0, max).map((c) => `${c.path || "(value)"}: ${c.before} → ${c.after}`);
  const more = changes.length > max ? `; and ${changes.length - max} more` : "";
  return shown.join("; ") + more;
}
