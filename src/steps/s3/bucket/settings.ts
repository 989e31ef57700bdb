/**
 * What re-applying a captured config to a bucket will do, per setting: apply (with the rewritten value),
 * skip (and why), or nothing (absent on the source). Pure, so plan and run decide the same way.
 */
import type { Json } from "../../../core/json.js";
import type { Precondition } from "../../define.js";
import { warning } from "../../shared/plan.js";
import { type BucketConfig, SETTINGS, type Setting } from "./config.js";
import { accountMentions, describeChanges, type JsonChange, rewriteJson } from "./rewrite.js";

export interface SettingAction {
  setting: Setting;
  action: "apply" | "skip" | "absent";
  /** The value to put (rewritten); null when absent. */
  value: Json | null;
  changes: JsonChange[];
  /** Source-account references left in the value as applied (rewriteAccountIds off). */
  sourceMentions: number;
  note?: string;
  /** Left out on purpose by the step's `only` list: not a finding. */
  filtered?: boolean;
}

export interface ApplyTarget {
  accountId: string;
  bucket: string;
  rewriteAccountIds: boolean;
}

/**
 * Settings that point at other resources and are useless (or refused) when those stay behind: replication
 * and notifications, and default encryption under a KMS key of the source account (the new bucket would
 * encrypt every write, the copies included, with a key of an account it is leaving).
 */
const FOLLOWS_RESOURCES: ReadonlySet<Setting> = new Set(["replication", "notifications", "encryption"]);

const ABSENT_NOTES: Partial<Record<Setting, string>> = {
  ownershipControls: "not set on the source; the new bucket keeps AWS's default (BucketOwnerEnforced, ACLs off)",
  publicAccessBlock: "not set on the source; the new bucket keeps AWS's default (all public access blocked)",
};

function versioningValue(value: Json): { value: Json; note?: string } {
  const v = (value ?? {}) as { Status?: string; MFADelete?: string };
  const note =
    v.MFADelete === "Enabled"
      ? "MFA delete is not re-applied (only the root user with an MFA device can enable it)"
      : undefined;
  return { value: { Status: v.Status ?? "Enabled" }, ...(note ? { note } : {}) };
}

function skipNote(text: string, source: string): string {
  if (/^arn:[a-z-]+:kms:[^:]*:\d{12}:key\//.test(text)) {
    return `uses the KMS key ${text} of the source account ${source}; not re-applied (the bucket keeps SSE-S3) — set a key of this account by hand`;
  }
  return `names resources of the source account ${source} (${text}); not re-applied — set rewriteAccountIds: true if the target has the same resources, or set it up by hand`;
}

export function settingActions(config: BucketConfig, target: ApplyTarget): SettingAction[] {
  const source = config.sourceAccountId;
  const crossAccount = source !== target.accountId;
  const rules = {
    fromAccountId: target.rewriteAccountIds ? source : undefined,
    toAccountId: target.accountId,
    // A policy about the old name is refused by PutBucketPolicy: bucket ARNs always follow the new name.
    fromBucket: config.sourceBucket,
    toBucket: target.bucket,
  };
  return SETTINGS.map((setting): SettingAction => {
    const raw = config[setting] ?? null;
    if (raw === null) {
      const note = ABSENT_NOTES[setting];
      return { setting, action: "absent", value: null, changes: [], sourceMentions: 0, ...(note ? { note } : {}) };
    }
    const base = setting === "versioning" ? versioningValue(raw) : { value: raw };
    const { value, changes } = rewriteJson(base.value, rules);
    const mentions = crossAccount ? accountMentions(value, source) : [];
    if (FOLLOWS_RESOURCES.has(setting) && mentions.length > 0) {
      return {
        setting,
        action: "skip",
        value,
        changes,
        sourceMentions: mentions.length,
        note: skipNote(mentions[0]?.text ?? "", source),
      };
    }
    const rewritten =
      FOLLOWS_RESOURCES.has(setting) && target.rewriteAccountIds && changes.length > 0
        ? `rewritten for ${target.accountId}: the resources it names must exist there`
        : undefined;
    const note = [base.note, rewritten].filter(Boolean).join("; ");
    return { setting, action: "apply", value, changes, sourceMentions: mentions.length, ...(note ? { note } : {}) };
  });
}

/** Plan findings of re-applying: skipped settings, rewrites (before → after) and leftover source ids. */
export function settingFindings(actions: readonly SettingAction[], config: BucketConfig): Precondition[] {
  const out: Precondition[] = [];
  for (const a of actions) {
    if (a.action === "skip") {
      if (a.filtered) continue;
      out.push(warning("S3_SETTING_NOT_REAPPLIED", `${a.setting}: ${a.note ?? "not re-applied"}`));
      continue;
    }
    if (a.action !== "apply") continue;
    // The bucket's own ARNs follow its new name as a matter of course; only account-id rewrites are findings.
    const accountChanges = a.changes.filter((c) => JSON.stringify(c.before).includes(config.sourceAccountId));
    if (accountChanges.length > 0) {
      out.push(warning("S3_CONFIG_REWRITTEN", `${a.setting} rewritten: ${describeChanges(accountChanges)}`));
    }
    if (a.sourceMentions > 0) {
      out.push(
        warning(
          "S3_CONFIG_NAMES_SOURCE_ACCOUNT",
          `${a.setting} is applied as captured and still names the source account ${config.sourceAccountId} (${a.sourceMentions} place(s))`,
          "set rewriteAccountIds: true to replace the source account id with this account's",
        ),
      );
    }
    if (a.note && a.setting === "versioning") out.push(warning("S3_MFA_DELETE_NOT_REAPPLIED", a.note));
  }
  return out;
}

export function summarizeActions(actions: readonly SettingAction[]): string {
  const apply = actions.filter((a) => a.action === "apply").map((a) => a.setting);
  const skip = actions.filter((a) => a.action === "skip").map((a) => a.setting);
  const parts = [apply.length > 0 ? `apply ${apply.join(", ")}` : "no settings to apply"];
  if (skip.length > 0) parts.push(`NOT re-applied: ${skip.join(", ")}`);
  return parts.join("; ");
}
