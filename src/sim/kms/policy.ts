import { fail, type Outcome, ok } from "../outcome.js";
import type { KmsKey, Principal } from "../world.js";

/** The parts of an IAM policy statement the simulator evaluates. Conditions are not evaluated. */
interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
}

export function defaultKeyPolicy(account: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
}

export function managedKeyPolicy(account: string, service: string, region: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized`,
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:CreateGrant",
          "kms:DescribeKey",
        ],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:CallerAccount": account, "kms:ViaService": `${service}.${region}.amazonaws.com` },
        },
      },
      {
        Sid: "Allow direct access to key metadata to the account",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
        Resource: "*",
      },
    ],
  });
}

/** Parse and shape-check a key policy: JSON object with a non-empty Statement list. */
export function parsePolicy(text: string): Outcome<Statement[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail("MalformedPolicyDocumentException", "The policy is not valid JSON.");
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return fail("MalformedPolicyDocumentException", "The policy must be a JSON object.");
  }
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw !== undefined ? [raw] : [];
  if (statements.length === 0 || !statements.every((s) => s !== null && typeof s === "object")) {
    return fail("MalformedPolicyDocumentException", "The policy must contain at least one statement.");
  }
  for (const s of statements as Statement[]) {
    if (s.Effect !== "Allow" && s.Effect !== "Deny") {
      return fail("MalformedPolicyDocumentException", "Each statement needs Effect Allow or Deny.");
    }
  }
  return ok(statements as Statement[]);
}

function asList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** `kms:*`, `kms:ReEncrypt*`, `*`: IAM wildcards, case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "i");
  return re.test(action);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

function principalEntries(stmt: Statement): string[] {
  if (stmt.Principal === "*") return ["*"];
  if (stmt.Principal !== null && typeof stmt.Principal === "object") {
    return asList((stmt.Principal as { AWS?: unknown }).AWS);
  }
  return [];
}

function coversAction(stmt: Statement, action: string): boolean {
  return asList(stmt.Action).some((p) => actionMatches(p, action));
}

/** Does a principal entry admit (some principal of) this account? Root, bare id, or any IAM ARN in it. */
function admitsAccount(entry: string, account: string): boolean {
  return entry === "*" || entry === account || entry.startsWith(`arn:aws:iam::${account}:`);
}

export type Usability = { usable: true } | { usable: false; reason: string };

/**
 * The cross-account rule other services call: may a principal of `account` use `key` for every one of
 * `actions`? Own keys: yes while enabled. AWS managed keys: never from another account. Customer keys:
 * only when an Allow statement names the account (root, id or an IAM ARN in it) for the action and no
 * Deny statement does.
 */
export function keyUsableBy(key: KmsKey, account: string, actions: readonly string[]): Usability {
  if (key.state !== "Enabled") return { usable: false, reason: `${key.arn} is ${key.state}` };
  if (key.account === account) return { usable: true };
  if (key.manager === "AWS") {
    return { usable: false, reason: `${key.arn} is an AWS managed key: it cannot be used by another account` };
  }
  const parsed = parsePolicy(key.policy);
  if (!parsed.ok) return { usable: false, reason: `${key.arn} has an unreadable key policy` };
  for (const action of actions) {
    const applies = (s: Statement) =>
      coversAction(s, action) && principalEntries(s).some((e) => admitsAccount(e, account));
    if (parsed.value.some((s) => s.Effect === "Deny" && applies(s))) {
      return { usable: false, reason: `the key policy of ${key.arn} denies ${action} to account ${account}` };
    }
    if (!parsed.value.some((s) => s.Effect === "Allow" && applies(s))) {
      return { usable: false, reason: `the key policy of ${key.arn} does not allow ${action} to account ${account}` };
    }
  }
  return { usable: true };
}

/**
 * PutKeyPolicy's lockout safety check (never bypassed): the new policy must still let the caller's account
 * root or the caller itself (user, or the role behind an assumed-role session) call kms:PutKeyPolicy.
 */
export function checkNoLockout(text: string, caller: Principal): Outcome<true> {
  const parsed = parsePolicy(text);
  if (!parsed.ok) return parsed;
  const admits = new Set(["*", caller.account, `arn:aws:iam::${caller.account}:root`, caller.arn]);
  if (caller.roleArn) admits.add(caller.roleArn);
  const keepsAdmin = parsed.value.some(
    (s) =>
      s.Effect === "Allow" && coversAction(s, "kms:PutKeyPolicy") && principalEntries(s).some((e) => admits.has(e)),
  );
  if (keepsAdmin) return ok(true);
  return fail(
    "MalformedPolicyDocumentException",
    "The new key policy will not allow you to update the key policy in the future.",
  );
}
