/**
 * ec2.copy-image: copy an AMI (own, or shared by another account) under a KMS key of this account, so
 * this account owns the new AMI and every snapshot behind it. ClientToken = ctx.token(): a resumed task
 * gets the same ImageId back from AWS; the AMI and its snapshots also carry our tags.
 */
import { z } from "zod";
import { ec2 } from "../../aws/sdk.js";
import { HikkoshiError } from "../../core/errors.js";
import type { Json } from "../../core/json.js";
import { type AccountRef, type AwsReader, defineStep, type PlanResult, type Precondition } from "../define.js";
import { checkOwnKey, enforce } from "../kms/key-checks.js";
import { namesAwsManagedAlias } from "../kms/keys.js";
import { describeValue, failed, known, laterOutput, passed, planParams, warning } from "../shared/plan.js";
import { dryRunPreflight } from "./dry-run.js";
import { copyFailureHint, foreignKeyProblems } from "./keys.js";
import {
  type Ami,
  amiObservation,
  backingSnapshots,
  describeAmi,
  findTaggedImages,
  imageArn,
  totalSizeGb,
} from "./read.js";
import { amiIdSchema, ec2CopyQueues, regionSchema } from "./schemas.js";
import { PLACEHOLDER } from "./share.js";
import { adoptImage, ebsEstimate, tagSpecs, waitImageAvailable } from "./write.js";

export const ec2CopyImageParams = z
  .strictObject({
    source: amiIdSchema.describe("Source AMI id: this account's, or one another account shared."),
    sourceRegion: regionSchema,
    name: z
      .string()
      .regex(/^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/, "3–128 letters, digits, spaces and ( ) [ ] . / - ' @ _")
      .optional()
      .describe("Name of the new AMI. Default: a deterministic name for this run and task."),
    kmsKeyId: z.string().min(1).describe("KMS key of THIS account that encrypts every snapshot of the copy."),
    forSharing: z
      .boolean()
      .default(false)
      .describe("The copy will be shared: refuse an AWS managed key (aws/ebs), which can be shared with nobody."),
    description: z.string().max(255).optional().describe("Description of the new AMI."),
  })
  .refine((p) => !(p.forSharing && namesAwsManagedAlias(p.kmsKeyId)), {
    message: "an AWS managed key (alias/aws/...) cannot encrypt an AMI meant for sharing",
    path: ["kmsKeyId"],
  });
export type Ec2CopyImageParams = z.infer<typeof ec2CopyImageParams>;

interface CopyInput {
  source: string;
  sourceRegion: string;
  name: string;
  kmsKeyId: string | undefined;
  description: string | undefined;
  tags: Record<string, string>;
  clientToken: string | undefined;
}

function copyCommand(input: CopyInput, dry = false) {
  return new ec2.CopyImageCommand({
    SourceImageId: input.source,
    SourceRegion: input.sourceRegion,
    Name: input.name,
    Encrypted: true,
    ...(input.kmsKeyId !== undefined ? { KmsKeyId: input.kmsKeyId } : {}),
    ...(input.description !== undefined ? { Description: input.description } : {}),
    ...(input.clientToken !== undefined ? { ClientToken: input.clientToken } : {}),
    CopyImageTags: false,
    TagSpecifications: tagSpecs(["image", "snapshot"], input.tags),
    ...(dry ? { DryRun: true } : {}),
  });
}

/**
 * A shared AMI can be copied only when this account may read every snapshot behind it (shared with it)
 * and use their keys. Own AMIs need nothing: the copy re-encrypts.
 */
async function sourceProblems(aws: AwsReader, account: AccountRef, image: Ami) {
  const problems: Precondition[] = [];
  if (image.state !== "available" && image.state !== "pending") {
    problems.push(failed("SOURCE_IMAGE_NOT_AVAILABLE", `${image.id} is ${image.state}`));
  }
  const owner = image.ownerId;
  if (owner === undefined || owner === account.id) return { problems, keys: [] as string[] };
  const keys: string[] = [];
  for (const { id, info } of await backingSnapshots(aws, account, image)) {
    if (!info) {
      problems.push(
        failed(
          "IMAGE_SNAPSHOTS_NOT_SHARED",
          `snapshot ${id} behind ${image.id} is not shared with ${account.alias} (${account.id}): the AMI cannot be copied`,
          `in ${owner}, share the AMI with ec2.share-image (it shares the snapshots too)`,
        ),
      );
    } else if (info.encrypted && info.kmsKeyId && !keys.includes(info.kmsKeyId)) {
      keys.push(info.kmsKeyId);
      problems.push(
        ...(await foreignKeyProblems(aws, account, info.kmsKeyId, owner, `AMI ${image.id} (snapshot ${id})`)),
      );
    }
  }
  return { problems, keys };
}

export const ec2CopyImage = defineStep<Ec2CopyImageParams>({
  type: "ec2.copy-image",
  description: "Copy an AMI (own or shared) under a KMS key of this account; waits until available.",
  params: ec2CopyImageParams,
  outputs: {
    imageId: "Id of the new AMI in the step's account",
    imageArn: "ARN of the new AMI",
    snapshotIds: "Snapshots behind the new AMI (owned by the step's account)",
    kmsKeyId: "KMS key ARN that encrypts them",
    name: "Name of the new AMI",
  },
  concurrencyKeys: (p, { account }) => ec2CopyQueues(account, p.sourceRegion),

  async plan(ctx, raw): Promise<PlanResult> {
    const { params, problems } = planParams<Ec2CopyImageParams>(ec2CopyImageParams, raw);
    const forSharing = known(params.forSharing) && params.forSharing;
    const sourceRegion = known(params.sourceRegion) ? params.sourceRegion : ctx.account.region;
    const name = known(params.name) ? params.name : ctx.name("", 128);
    const key = known(params.kmsKeyId)
      ? await checkOwnKey(ctx.aws, ctx.account, params.kmsKeyId, { forSharing })
      : undefined;
    problems.push(...(key?.problems ?? []));

    let source: Ami | undefined;
    if (known(params.source) && sourceRegion === ctx.account.region) {
      source = await describeAmi(ctx.aws, ctx.account, params.source);
      if (source) problems.push(...(await sourceProblems(ctx.aws, ctx.account, source)).problems);
      else
        problems.push(
          passed("SOURCE_NOT_YET_PRESENT", `${params.source} is not visible yet (an earlier step makes or shares it)`),
        );
    } else if (known(params.source)) {
      problems.push(
        warning("SOURCE_NOT_CHECKED", `${params.source} is in ${sourceRegion}: plan does not look into other regions`),
      );
    }

    const existing = (await findTaggedImages(ctx.aws, ctx.account, ctx.tags()))[0];
    if (!existing) {
      const input: CopyInput = {
        source: known(params.source) ? params.source : PLACEHOLDER.image,
        sourceRegion,
        name,
        kmsKeyId: key?.meta?.Arn ?? (known(params.kmsKeyId) ? params.kmsKeyId : undefined),
        description: known(params.description) ? params.description : undefined,
        tags: ctx.tags(),
        clientToken: undefined, // a dry run acts on nothing; keep the real token for the real call
      };
      problems.push(await dryRunPreflight(ctx.aws, ctx.account, copyCommand(input, true)));
    }
    const sizeGb = source ? totalSizeGb(source) : undefined;
    const estimate = ebsEstimate(sizeGb, sizeGb === undefined ? "size known once the source exists" : undefined);
    const predictedOutputs: Record<string, Json | ReturnType<typeof laterOutput>> = {
      imageId: existing?.id ?? laterOutput(ctx, "imageId"),
      imageArn: existing ? imageArn(ctx.account, existing.id) : laterOutput(ctx, "imageArn"),
      snapshotIds: laterOutput(ctx, "snapshotIds"),
      kmsKeyId: key?.meta?.Arn ?? laterOutput(ctx, "kmsKeyId"),
      name: existing?.name ?? name,
    };
    return {
      action: existing ? "already-done" : "copy",
      summary: existing
        ? `AMI ${existing.id} (copy of ${describeValue(params.source)}) exists`
        : `copy AMI ${describeValue(params.source)} as "${name}" under ${describeValue(params.kmsKeyId)}`,
      resources: [
        ...(known(params.source) ? [imageArn({ ...ctx.account, region: sourceRegion }, params.source)] : []),
        ...(existing ? [imageArn(ctx.account, existing.id)] : []),
      ],
      preconditions: problems,
      ...(estimate ? { estimate } : {}),
      predictedOutputs,
      observations: {
        source: amiObservation(source),
        key: key?.meta ? { arn: key.meta.Arn ?? null, manager: key.meta.KeyManager ?? null } : null,
        image: amiObservation(existing),
      },
    };
  },

  async run(ctx, params) {
    const key = await checkOwnKey(ctx.aws, ctx.account, params.kmsKeyId, { forSharing: params.forSharing });
    enforce(key.problems, ctx.log, params.kmsKeyId);
    const keyArn = key.meta?.Arn ?? params.kmsKeyId;
    const sourceRegion = params.sourceRegion ?? ctx.account.region;
    const sameRegion = sourceRegion === ctx.account.region;
    const name = params.name ?? ctx.name("", 128);
    const source = sameRegion ? await describeAmi(ctx.aws, ctx.account, params.source) : undefined;
    // Checked up front (read-only) so a failed copy's hint can name the source keys even when adopted.
    const checked = source ? await sourceProblems(ctx.aws, ctx.account, source) : undefined;
    const sourceKeys = checked?.keys ?? [];

    let imageId = (await adoptImage(ctx))?.id;
    if (!imageId) {
      if (sameRegion) {
        if (!source) {
          throw new HikkoshiError("SOURCE_NOT_FOUND", `AMI ${params.source} is not visible from ${ctx.account.alias}`, {
            hint: "an AMI of another account must be shared with this account first (ec2.share-image)",
            resource: params.source,
          });
        }
        enforce(checked?.problems ?? [], ctx.log, params.source);
      }
      ctx.saveProgress({ source: params.source, sourceRegion, name, kmsKeyId: keyArn });
      const input = {
        source: params.source,
        sourceRegion,
        name,
        kmsKeyId: keyArn,
        description: params.description,
        tags: ctx.tags(),
        clientToken: ctx.token("copy-image"),
      };
      const out = await ctx.aws.mutate(ctx.account.alias, "ec2", copyCommand(input), params.source);
      if (!out.ImageId) throw new HikkoshiError("EC2_NO_ID", `CopyImage of ${params.source} returned no id`);
      imageId = out.ImageId;
      ctx.saveProgress({ source: params.source, sourceRegion, name, kmsKeyId: keyArn, imageId });
    }

    const image = await waitImageAvailable(ctx, imageId, source ? totalSizeGb(source) : undefined, {
      code: "EBS_COPY_FAILED",
      hint: (id) =>
        copyFailureHint(
          ctx.account,
          { source: sourceKeys.join(", ") || undefined, sourceOwner: source?.ownerId, target: keyArn },
          `the failed AMI ${id} (DeregisterImage) and its snapshots`,
        ),
    });
    const snapshots = await backingSnapshots(ctx.aws, ctx.account, image);
    const wrong = snapshots.filter((s) => key.meta?.Arn && s.info?.kmsKeyId && s.info.kmsKeyId !== key.meta.Arn);
    if (wrong.length > 0) {
      throw new HikkoshiError(
        "COPY_KEY_MISMATCH",
        `snapshots ${wrong.map((s) => s.id).join(", ")} of ${image.id} are not encrypted with ${key.meta?.Arn}`,
        {
          hint: "an earlier attempt copied with another key: deregister the copy and resume",
          resource: imageArn(ctx.account, image.id),
        },
      );
    }
    return {
      imageId: image.id,
      imageArn: imageArn(ctx.account, image.id),
      snapshotIds: snapshots.map((s) => s.id),
      kmsKeyId: keyArn,
      name: image.name ?? name,
    };
  },
});
