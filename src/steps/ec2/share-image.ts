/**
 * ec2.share-image: give accounts launch permission on an AMI and createVolumePermission on every
 * snapshot behind it (another account can only copy the AMI when it may read them). Account ids only,
 * never `all`; an AMI with a snapshot on the AWS managed key (aws/ebs) is refused before AWS is called
 * (AWS answers InvalidParameter): ec2.move-image re-encrypts it under a customer key first.
 */
import { z } from "zod";
import { HikkoshiError } from "../../core/errors.js";
import { type AccountRef, type AwsReader, defineStep, type PlanResult, type Precondition } from "../define.js";
import { enforce } from "../kms/key-checks.js";
import { accountAliasOrId } from "../shared/accounts.js";
import { describeValue, failed, known, laterOutput, passed, planParams, warning } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { ebsShareKeyProblems } from "./keys.js";
import {
  type Ami,
  amiObservation,
  backingSnapshots,
  createVolumePermissions,
  describeAmi,
  imageArn,
  launchPermissions,
  snapshotArn,
} from "./read.js";
import { amiIdSchema } from "./schemas.js";
import { ec2ShareTargets, PLACEHOLDER, shareImageCommand, shareSnapshotCommand } from "./share.js";
import { waitImageAvailable } from "./write.js";

export const ec2ShareImageParams = z.strictObject({
  image: amiIdSchema.describe("AMI of this account (ami-…)."),
  accounts: z
    .array(accountAliasOrId)
    .min(1)
    .describe("Accounts to share with: aliases or 12-digit ids. `all` (public) is always refused."),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe("Key the AMI's snapshots are expected to use: lets plan check it before the AMI exists."),
});
export type Ec2ShareImageParams = z.infer<typeof ec2ShareImageParams>;

const FIX =
  "use ec2.move-image, which first copies the AMI under a customer managed key that admits the targets (or ec2.copy-image with forSharing: true)";

interface Sharing {
  problems: Precondition[];
  snapshotIds: string[];
  /** Per snapshot (and "image"): the target ids not yet granted. */
  missing: Map<string, string[]>;
}

/** Owner, keys and existing permissions of the AMI and its snapshots: what plan shows and run enforces. */
async function inspect(aws: AwsReader, account: AccountRef, image: Ami, ids: string[]): Promise<Sharing> {
  const problems: Precondition[] = [];
  const missing = new Map<string, string[]>();
  if (image.ownerId !== undefined && image.ownerId !== account.id) {
    problems.push(failed("IMAGE_NOT_OWNED", `${image.id} belongs to ${image.ownerId}; only its owner can share it`));
    return { problems, snapshotIds: [], missing };
  }
  const snapshots = await backingSnapshots(aws, account, image);
  const seenKeys = new Set<string>();
  for (const { id, info } of snapshots) {
    if (!info) {
      problems.push(
        failed("IMAGE_SNAPSHOT_NOT_FOUND", `snapshot ${id} behind ${image.id} is not visible in ${account.alias}`),
      );
      continue;
    }
    if (info.encrypted && info.kmsKeyId && !seenKeys.has(info.kmsKeyId)) {
      seenKeys.add(info.kmsKeyId);
      const noun = `AMI ${image.id} (snapshot ${id})`;
      const found = await ebsShareKeyProblems(aws, account, info.kmsKeyId, ids, { noun, fix: FIX });
      problems.push(
        ...found.map((p) =>
          p.code === "EBS_SNAPSHOT_ON_AWS_MANAGED_KEY" ? { ...p, code: "EBS_IMAGE_ON_AWS_MANAGED_KEY" } : p,
        ),
      );
    }
    const perms = await createVolumePermissions(aws, account, id);
    if (perms.isPublic) problems.push(failed("SNAPSHOT_IS_PUBLIC", `snapshot ${id} behind ${image.id} is public`));
    missing.set(
      id,
      ids.filter((t) => !perms.userIds.includes(t)),
    );
  }
  const launch = await launchPermissions(aws, account, image.id);
  if (launch.isPublic) problems.push(failed("IMAGE_IS_PUBLIC", `${image.id} is public`, "make it private first"));
  missing.set(
    "image",
    ids.filter((t) => !launch.userIds.includes(t)),
  );
  return { problems, snapshotIds: snapshots.map((s) => s.id), missing };
}

export const ec2ShareImage = defineStep<Ec2ShareImageParams>({
  type: "ec2.share-image",
  description: "Share an AMI and every snapshot behind it with other accounts (never public), after checking keys.",
  params: ec2ShareImageParams,
  outputs: {
    imageId: "Id of the shared AMI (the id the target copies)",
    imageArn: "ARN of the shared AMI",
    snapshotIds: "Snapshots behind the AMI, shared too",
    sharedWith: "Account ids the AMI is shared with",
  },
  accountParams: { list: ["accounts"] },

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2ShareImageParams>(ec2ShareImageParams, raw);
    const values = known(params.accounts) ? params.accounts.filter((v): v is string => known(v)) : [];
    const targets = ec2ShareTargets(ctx.account, ctx.accounts, values, "AMI");
    problems.push(...targets.problems);

    const image = known(params.image) ? await describeAmi(ctx.aws, ctx.account, params.image) : undefined;
    let sharing: Sharing | undefined;
    if (image) {
      sharing = await inspect(ctx.aws, ctx.account, image, targets.ids);
      problems.push(...sharing.problems);
      for (const [id, ids] of sharing.missing) {
        if (ids.length === 0) continue;
        const command = id === "image" ? shareImageCommand(image.id, ids, true) : shareSnapshotCommand(id, ids, true);
        problems.push(await dryRunPreflight(ctx.aws, ctx.account, command));
      }
    } else {
      if (known(params.image)) problems.push(passed("IMAGE_NOT_YET_PRESENT", `${params.image} does not exist yet`));
      if (known(params.kmsKeyId)) {
        const noun = `the AMI ${describeValue(params.image)} (key ${params.kmsKeyId})`;
        problems.push(
          ...(await ebsShareKeyProblems(ctx.aws, ctx.account, params.kmsKeyId, targets.ids, { noun, fix: FIX })),
        );
      } else if (params.kmsKeyId !== undefined) {
        // The key comes from a step of this run (kms.create-key plans its own policy): run checks it before sharing.
        problems.push(
          passed("SHARE_KEY_CHECKED_AT_RUN", `the key ${describeValue(params.kmsKeyId)} is checked before sharing`),
        );
      } else {
        problems.push(
          warning(
            "SHARE_KEY_NOT_CHECKED",
            `${describeValue(params.image)} does not exist yet, so the keys of its snapshots cannot be checked`,
            "pass `kmsKeyId: ${{ steps.<copy step>.outputs.kmsKeyId }}` so plan can refuse aws/ebs or a policy that omits the target",
          ),
        );
      }
      if (targets.ids.length > 0) {
        problems.push(
          await dryRunPreflight(ctx.aws, ctx.account, shareImageCommand(PLACEHOLDER.image, targets.ids, true)),
        );
      }
    }
    const done = sharing !== undefined && [...sharing.missing.values()].every((m) => m.length === 0);
    const resources = image
      ? [imageArn(ctx.account, image.id), ...(sharing?.snapshotIds ?? []).map((s) => snapshotArn(ctx.account, s))]
      : known(params.image)
        ? [imageArn(ctx.account, params.image)]
        : [];
    return {
      action: done ? "already-done" : "share",
      summary: done
        ? `AMI ${image?.id} and its snapshots are shared with ${targets.ids.join(", ")}`
        : `share ${describeValue(params.image)} and its snapshots with ${targets.ids.join(", ") || describeValue(params.accounts)}`,
      resources,
      preconditions: problems,
      predictedOutputs: {
        imageId: known(params.image) ? params.image : laterOutput(ctx, "imageId"),
        imageArn: known(params.image) ? imageArn(ctx.account, params.image) : laterOutput(ctx, "imageArn"),
        snapshotIds: sharing ? sharing.snapshotIds : laterOutput(ctx, "snapshotIds"),
        sharedWith: targets.ids,
      },
      observations: {
        image: amiObservation(image),
        missing: sharing ? Object.fromEntries([...sharing.missing].map(([k, v]) => [k, [...v].sort()])) : null,
      },
    };
  },

  async run(ctx, params) {
    const targets = ec2ShareTargets(ctx.account, ctx.accounts, params.accounts, "AMI");
    enforce(targets.problems, ctx.log);
    let image = await describeAmi(ctx.aws, ctx.account, params.image);
    const arn = imageArn(ctx.account, params.image);
    if (!image || image.state === "deregistered") {
      throw new HikkoshiError("IMAGE_NOT_FOUND", `AMI ${params.image} not found in ${ctx.account.alias}`, {
        resource: arn,
      });
    }
    if (image.state === "pending") {
      image = await waitImageAvailable(ctx, image.id, undefined, {
        code: "EC2_IMAGE_FAILED",
        hint: (id) => `the AMI ${id} failed before it could be shared; make a new one`,
      });
    }
    const sharing = await inspect(ctx.aws, ctx.account, image, targets.ids);
    enforce(sharing.problems, ctx.log, arn);
    ctx.saveProgress({ image: image.id, snapshots: sharing.snapshotIds });
    // Snapshots first: once the target sees the AMI, it can also read what backs it.
    for (const [id, ids] of sharing.missing) {
      if (id === "image" || ids.length === 0) continue;
      await ctx.aws.mutate(ctx.account.alias, "ec2", shareSnapshotCommand(id, ids), snapshotArn(ctx.account, id));
    }
    const forImage = sharing.missing.get("image") ?? [];
    if (forImage.length > 0) await ctx.aws.mutate(ctx.account.alias, "ec2", shareImageCommand(image.id, forImage), arn);
    return { imageId: image.id, imageArn: arn, snapshotIds: sharing.snapshotIds, sharedWith: targets.ids };
  },
});
