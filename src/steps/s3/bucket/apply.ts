/**
 * Re-applying a captured config: one Put per setting, in SETTINGS order, each idempotent (a Put replaces
 * the whole setting), with the list of applied settings checkpointed after each so a resumed task goes on
 * where it stopped.
 */
import type { MetadataBearer } from "@smithy/types";
import { s3 } from "../../../aws/sdk.js";
import type { AwsCommand } from "../../../aws/types.js";
import type { Json } from "../../../core/json.js";
import type { AccountRef, AwsReader, RunContext } from "../../define.js";
import { bucketArn, bucketPresence } from "../basics.js";
import type { Setting } from "./config.js";
import type { SettingAction } from "./settings.js";

type Input = Record<string, any>;

/** JSON keeps dates as ISO strings; the SDK serialises lifecycle dates only from Date objects. */
function lifecycleRules(value: Input): Input[] {
  return ((value.Rules ?? []) as Input[]).map((rule) => {
    const out: Input = { ...rule };
    if (rule.Expiration?.Date) out.Expiration = { ...rule.Expiration, Date: new Date(rule.Expiration.Date) };
    if (Array.isArray(rule.Transitions)) {
      out.Transitions = (rule.Transitions as Input[]).map((t) => (t.Date ? { ...t, Date: new Date(t.Date) } : t));
    }
    return out;
  });
}

const PUT: Record<Setting, (Bucket: string, ExpectedBucketOwner: string, v: Input) => AwsCommand<MetadataBearer>> = {
  ownershipControls: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketOwnershipControlsCommand({ Bucket, ExpectedBucketOwner, OwnershipControls: v as never }),
  publicAccessBlock: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutPublicAccessBlockCommand({ Bucket, ExpectedBucketOwner, PublicAccessBlockConfiguration: v }),
  versioning: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketVersioningCommand({ Bucket, ExpectedBucketOwner, VersioningConfiguration: { Status: v.Status } }),
  objectLock: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutObjectLockConfigurationCommand({
      Bucket,
      ExpectedBucketOwner,
      ObjectLockConfiguration: { ...v, ObjectLockEnabled: "Enabled" },
    }),
  encryption: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketEncryptionCommand({ Bucket, ExpectedBucketOwner, ServerSideEncryptionConfiguration: v as never }),
  requestPayment: (Bucket, ExpectedBucketOwner) =>
    new s3.PutBucketRequestPaymentCommand({
      Bucket,
      ExpectedBucketOwner,
      RequestPaymentConfiguration: { Payer: "Requester" },
    }),
  tags: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketTaggingCommand({
      Bucket,
      ExpectedBucketOwner,
      Tagging: { TagSet: Object.entries(v).map(([Key, Value]) => ({ Key, Value: String(Value) })) },
    }),
  cors: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketCorsCommand({ Bucket, ExpectedBucketOwner, CORSConfiguration: { CORSRules: v.CORSRules ?? [] } }),
  website: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketWebsiteCommand({ Bucket, ExpectedBucketOwner, WebsiteConfiguration: v }),
  lifecycle: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketLifecycleConfigurationCommand({
      Bucket,
      ExpectedBucketOwner,
      LifecycleConfiguration: { Rules: lifecycleRules(v) as never },
      ...(v.TransitionDefaultMinimumObjectSize
        ? { TransitionDefaultMinimumObjectSize: v.TransitionDefaultMinimumObjectSize }
        : {}),
    }),
  logging: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketLoggingCommand({
      Bucket,
      ExpectedBucketOwner,
      BucketLoggingStatus: { LoggingEnabled: v as never },
    }),
  policy: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketPolicyCommand({ Bucket, ExpectedBucketOwner, Policy: JSON.stringify(v) }),
  replication: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketReplicationCommand({ Bucket, ExpectedBucketOwner, ReplicationConfiguration: v as never }),
  notifications: (Bucket, ExpectedBucketOwner, v) =>
    new s3.PutBucketNotificationConfigurationCommand({ Bucket, ExpectedBucketOwner, NotificationConfiguration: v }),
};

/**
 * Server access logs must go to a bucket of the same account: a log target elsewhere (typically still in
 * the source account) is skipped with a note instead of failing the whole bucket.
 */
export async function loggingTargetProblem(
  aws: AwsReader,
  account: AccountRef,
  bucket: string,
  value: Json | null,
): Promise<string | undefined> {
  const target = (value as { TargetBucket?: string } | null)?.TargetBucket;
  if (!target || target === bucket) return undefined;
  const presence = await bucketPresence(aws, account, target);
  if (presence.state === "ours") return undefined;
  return `server access logs go to ${target}, which is not a bucket of ${account.alias} (${account.id}); not re-applied — create it there or set logging by hand`;
}

export interface ApplyResult {
  applied: Setting[];
  skipped: Setting[];
}

/**
 * Applies every "apply" action not yet in `done`, calling `checkpoint` with the growing list after each.
 * Settings absent from the captured config are left as they are on the bucket (nothing is removed).
 */
export async function applySettings(
  ctx: RunContext,
  bucket: string,
  actions: readonly SettingAction[],
  done: readonly string[],
  checkpoint: (applied: Setting[]) => void,
): Promise<ApplyResult> {
  const applied = actions.filter((a) => done.includes(a.setting)).map((a) => a.setting);
  const skipped: Setting[] = [];
  for (const a of actions) {
    if (a.action === "skip") skipped.push(a.setting);
    if (a.action !== "apply" || applied.includes(a.setting)) continue;
    if (a.setting === "logging") {
      const problem = await loggingTargetProblem(ctx.aws, ctx.account, bucket, a.value);
      if (problem) {
        ctx.log.warn(`${bucket}: logging ${problem}`);
        skipped.push(a.setting);
        continue;
      }
    }
    const command = PUT[a.setting](bucket, ctx.account.id, (a.value ?? {}) as Input);
    await ctx.aws.mutate(ctx.account.alias, "s3", command, bucketArn(bucket, ctx.account.region));
    applied.push(a.setting);
    checkpoint([...applied]);
  }
  return { applied, skipped };
}
