/** KMS key lookups and key-policy reading/writing for cross-account use. */
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { accountRootArn, CROSS_ACCOUNT_KEY_ACTIONS } from "../../aws/permissions.js";
import { kms } from "../../aws/sdk.js";
import type { AccountRef, AwsReader } from "../define.js";
import { orUndefined } from "../shared/observe.js";

export const ALLOW_STATEMENT_SID = "HikkoshiAllowAccounts";
const ADMIN_STATEMENT_SID = "EnableRootAdministration";

/** "hikkoshi/x" or "alias/hikkoshi/x" → "alias/hikkoshi/x". */
export function normalizeAlias(alias: string): string {
  return alias.startsWith("alias/") ? alias : `alias/${alias}`;
}

/** `alias/aws/...` (or its ARN form) names an AWS managed key. */
export function namesAwsManagedAlias(keyId: string): boolean {
  return /(^|:)alias\/aws\//.test(keyId);
}

export async function describeKey(
  aws: AwsReader,
  account: AccountRef,
  keyId: string,
): Promise<KeyMetadata | undefined> {
  const out = await orUndefined(aws.read(account.alias, "kms", new kms.DescribeKeyCommand({ KeyId: keyId })));
  return out?.KeyMetadata;
}

export function isAwsManaged(meta: KeyMetadata): boolean {
  return meta.KeyManager === "AWS";
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { AWS?: string | string[]; [k: string]: unknown };
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

export interface KeyPolicy {
  Version?: string;
  Id?: string;
  Statement: Statement[];
}

export async function getKeyPolicy(aws: AwsReader, account: AccountRef, keyId: string): Promise<KeyPolicy> {
  const out = await aws.read(
    account.alias,
    "kms",
    new kms.GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }),
  );
  return parsePolicy(out.Policy);
}

export function parsePolicy(text: string | undefined): KeyPolicy {
  const parsed = JSON.parse(text ?? "{}") as { Statement?: Statement | Statement[] };
  const statements =
    parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return { ...(parsed as KeyPolicy), Statement: statements };
}

function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return regex.test(action);
}

/** The actions without which another account cannot copy an RDS snapshot encrypted with the key. */
export const RDS_COPY_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"] as const;
/**
 * An EBS copy in another account re-encrypts from the source key: it needs kms:ReEncryptFrom too (AWS's
 * key-sharing guide lists kms:ReEncrypt*; a key without it passes a share and fails the target's copy).
 */
export const EBS_COPY_KEY_ACTIONS = [...RDS_COPY_KEY_ACTIONS, "kms:ReEncryptFrom"] as const;

function principalAdmits(principal: Statement["Principal"], accountId: string, condition: unknown): boolean {
  const values = principal === "*" ? ["*"] : asList(typeof principal === "object" ? principal.AWS : undefined);
  return values.some((p) => {
    if (p === "*") return condition === undefined || JSON.stringify(condition).includes(accountId);
    return p === accountId || new RegExp(`^arn:[^:]+:(iam|sts)::${accountId}:`).test(p);
  });
}

/** Whether Allow statements (and no Deny) let `accountId` (its root or any of its principals) use the key. */
export function policyAdmits(
  policy: KeyPolicy,
  accountId: string,
  required: readonly string[] = RDS_COPY_KEY_ACTIONS,
): boolean {
  const naming = (effect: string) =>
    policy.Statement.filter((s) => s.Effect === effect && principalAdmits(s.Principal, accountId, s.Condition));
  const covers = (statements: Statement[], action: string) =>
    statements.some((s) => asList(s.Action).some((pattern) => actionMatches(pattern, action)));
  const allowing = naming("Allow");
  const denying = naming("Deny");
  return required.every((action) => covers(allowing, action) && !covers(denying, action));
}

export function missingAccounts(
  policy: KeyPolicy,
  accountIds: readonly string[],
  required: readonly string[] = RDS_COPY_KEY_ACTIONS,
): string[] {
  return accountIds.filter((id) => !policyAdmits(policy, id, required));
}

function allowStatement(accountIds: readonly string[], region: string): Statement {
  return {
    Sid: ALLOW_STATEMENT_SID,
    Effect: "Allow",
    Principal: { AWS: accountIds.map((id) => accountRootArn(id, region)) },
    Action: [...CROSS_ACCOUNT_KEY_ACTIONS],
    Resource: "*",
  };
}

/** Root of the owning account administers the key (so nobody is locked out) + the allowed accounts. */
export function initialPolicy(owner: AccountRef, allowIds: readonly string[]): KeyPolicy {
  const statements: Statement[] = [
    {
      Sid: ADMIN_STATEMENT_SID,
      Effect: "Allow",
      Principal: { AWS: accountRootArn(owner.id, owner.region) },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (allowIds.length > 0) statements.push(allowStatement(allowIds, owner.region));
  return { Version: "2012-10-17", Id: "hikkoshi-key-policy", Statement: statements };
}

/** Adds the missing accounts to hikkoshi's allow statement (created if absent); every other statement stays. */
export function withAllowedAccounts(policy: KeyPolicy, addIds: readonly string[], region: string): KeyPolicy {
  const existing = policy.Statement.find((s) => s.Sid === ALLOW_STATEMENT_SID);
  if (!existing) return { ...policy, Statement: [...policy.Statement, allowStatement(addIds, region)] };
  const principals = asList(typeof existing.Principal === "object" ? existing.Principal.AWS : undefined);
  const merged = [
    ...principals,
    ...addIds.map((id) => accountRootArn(id, region)).filter((a) => !principals.includes(a)),
  ];
  const updated: Statement = { ...allowStatement([], region), ...existing, Principal: { AWS: merged } };
  updated.Action = [...new Set([...asList(existing.Action), ...CROSS_ACCOUNT_KEY_ACTIONS])];
  return { ...policy, Statement: policy.Statement.map((s) => (s === existing ? updated : s)) };
}
