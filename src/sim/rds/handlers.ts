import { type Outcome, ok } from "../outcome.js";
import { type QueryInput, xmlList } from "../protocol/query.js";
import type { CallContext, Handler } from "../protocol/types.js";
import type { Snapshot } from "../world.js";
import { copySnapshot, createSnapshot } from "./create.js";
import { describeClusters, describeInstances, describeSnapshots } from "./describe.js";
import { clusterFlavour, type Flavour, instanceFlavour } from "./flavours.js";
import { deleteSnapshot, findOwn } from "./model.js";
import { snapshotXml } from "./render.js";
import { modifyRestoreAttribute, restoreAttribute } from "./sharing.js";
import { addTags, listTags, readTags, removeTags } from "./tags.js";

type RdsHandler = Handler<QueryInput>;

const member = (f: Flavour) => (f.kind === "instance" ? "DBSnapshot" : "DBClusterSnapshot");

function single(ctx: CallContext, f: Flavour, result: Outcome<Snapshot>, status?: string) {
  if (!result.ok) return result;
  return ok({ [member(f)]: snapshotXml(result.value, ctx.account, ctx.now, status) });
}

function attributesResult(f: Flavour, result: Outcome<Snapshot>) {
  if (!result.ok) return result;
  const m = member(f);
  return ok({
    [`${m}AttributesResult`]: {
      [`${m}Identifier`]: result.value.id,
      [`${m}Attributes`]: xmlList(`${m}Attribute`, [
        { AttributeName: "restore", AttributeValues: xmlList("AttributeValue", restoreAttribute(result.value)) },
      ]),
    },
  });
}

function flavoured(f: Flavour): Record<string, RdsHandler> {
  const m = member(f);
  return {
    [`Create${m}`]: (ctx, input) =>
      single(
        ctx,
        f,
        createSnapshot(ctx, f, { id: input.str(f.idParam), parent: input.str(f.parentParam), tags: readTags(input) }),
      ),
    [`Copy${m}`]: (ctx, input) =>
      single(
        ctx,
        f,
        copySnapshot(ctx, f, {
          source: input.str(`Source${f.idParam}`),
          target: input.str(`Target${f.idParam}`),
          kmsKeyId: input.str("KmsKeyId") || undefined,
          tags: readTags(input),
          copyTags: input.bool("CopyTags") ?? false,
        }),
      ),
    [`Delete${m}`]: (ctx, input) => single(ctx, f, deleteSnapshot(ctx, f, input.str(f.idParam)), "deleted"),
    [`Describe${m}s`]: (ctx, input) => describeSnapshots(ctx, f, input),
    [`Modify${m}Attribute`]: (ctx, input) =>
      attributesResult(
        f,
        modifyRestoreAttribute(ctx, f, {
          ref: input.str(f.idParam),
          attribute: input.str("AttributeName"),
          add: input.list("ValuesToAdd"),
          remove: input.list("ValuesToRemove"),
        }),
      ),
    [`Describe${m}Attributes`]: (ctx, input) => attributesResult(f, findOwn(ctx, f, input.str(f.idParam))),
  };
}

export const rdsActions: Record<string, RdsHandler> = {
  ...flavoured(instanceFlavour),
  ...flavoured(clusterFlavour),
  DescribeDBInstances: describeInstances,
  DescribeDBClusters: describeClusters,
  AddTagsToResource: addTags,
  ListTagsForResource: listTags,
  RemoveTagsFromResource: removeTags,
};
