import { fail, type Outcome, ok } from "../outcome.js";
import { pageOf } from "../paging.js";
import { field, type JsonInput } from "../protocol/json.js";
import type { CallContext, Handler } from "../protocol/types.js";
import type { KmsKey } from "../world.js";
import { aliasArn, createCustomerKey, kmsRegion, resolveKey } from "./keys.js";
import { checkNoLockout, keyUsableBy } from "./policy.js";
import { keyMetadata, tagList } from "./render.js";

type KmsHandler = Handler<JsonInput>;

function required(input: JsonInput, name: string): Outcome<string> {
  const value = field.str(input, name);
  if (value === undefined || value === "")
    return fail("ValidationException", `1 validation error detected: ${name} is required`);
  return ok(value);
}

function readTags(input: JsonInput, name = "Tags"): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of field.objects(input, name)) {
    if (typeof t.TagKey === "string") tags.set(t.TagKey, typeof t.TagValue === "string" ? t.TagValue : "");
  }
  return tags;
}

/** Keys the caller may manage: its own customer managed keys. */
function ownKey(ctx: CallContext, input: JsonInput, action: string): Outcome<KmsKey> {
  const ref = required(input, "KeyId");
  if (!ref.ok) return ref;
  const key = resolveKey(ctx.world, ctx.account, ctx.region, ref.value);
  if (!key.ok) return key;
  if (key.value.account !== ctx.account) {
    return fail(
      "AccessDeniedException",
      `User: ${ctx.principal.arn} is not authorized to perform: kms:${action} on resource: ${key.value.arn}`,
    );
  }
  return key;
}

function customerKey(ctx: CallContext, input: JsonInput, action: string): Outcome<KmsKey> {
  const key = ownKey(ctx, input, action);
  if (key.ok && key.value.manager === "AWS") {
    return fail("AccessDeniedException", `kms:${action} is not allowed on the AWS managed key ${key.value.arn}`);
  }
  return key;
}

function limitOf(input: JsonInput, max: number, fallback: number): Outcome<number> {
  const limit = field.num(input, "Limit") ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    return fail("ValidationException", `Limit must be between 1 and ${max}`);
  }
  return ok(limit);
}

function paged<T>(items: T[], input: JsonInput, limit: number, render: (page: T[]) => Record<string, unknown>) {
  const page = pageOf(items, field.str(input, "Marker"), limit);
  if (!page) return fail("InvalidMarkerException", "The marker is not valid.");
  return ok({ ...render(page.items), NextMarker: page.next, Truncated: page.next !== undefined });
}

const CreateKey: KmsHandler = (ctx, input) => {
  const policy = field.str(input, "Policy");
  if (policy !== undefined) {
    const checked = checkNoLockout(policy, ctx.principal);
    if (!checked.ok) return checked;
  }
  const key = createCustomerKey(ctx.world, ctx.account, ctx.region, {
    description: field.str(input, "Description") ?? "",
    policy,
    tags: readTags(input),
    now: ctx.now,
  });
  return ok({ KeyMetadata: keyMetadata(key) });
};

const DescribeKey: KmsHandler = (ctx, input) => {
  const ref = required(input, "KeyId");
  if (!ref.ok) return ref;
  const key = resolveKey(ctx.world, ctx.account, ctx.region, ref.value);
  if (!key.ok) return key;
  const usable = keyUsableBy({ ...key.value, state: "Enabled" }, ctx.account, ["kms:DescribeKey"]);
  if (!usable.usable) {
    return fail(
      "AccessDeniedException",
      `User: ${ctx.principal.arn} is not authorized to perform: kms:DescribeKey on resource: ${key.value.arn}`,
    );
  }
  return ok({ KeyMetadata: keyMetadata(key.value) });
};

const CreateAlias: KmsHandler = (ctx, input) => {
  const name = required(input, "AliasName");
  if (!name.ok) return name;
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name.value) || name.value.startsWith("alias/aws/")) {
    return fail("InvalidAliasNameException", `Alias name ${name.value} is not valid (alias/aws/ is reserved).`);
  }
  const target = required(input, "TargetKeyId");
  if (!target.ok) return target;
  if (target.value.startsWith("alias/") || target.value.includes(":alias/")) {
    return fail("ValidationException", "TargetKeyId must be a key id or key ARN, not an alias.");
  }
  const key = customerKey(ctx, { KeyId: target.value }, "CreateAlias");
  if (!key.ok) return key;
  if (key.value.state === "PendingDeletion")
    return fail("KMSInvalidStateException", `${key.value.arn} is pending deletion.`);
  const state = kmsRegion(ctx.world, ctx.account, ctx.region);
  if (state.aliases.has(name.value)) {
    return fail(
      "AlreadyExistsException",
      `An alias with the name ${aliasArn(ctx.region, ctx.account, name.value)} already exists`,
    );
  }
  state.aliases.set(name.value, {
    name: name.value,
    arn: aliasArn(ctx.region, ctx.account, name.value),
    targetKeyId: key.value.id,
    createdAt: ctx.now,
  });
  return ok({});
};

const DeleteAlias: KmsHandler = (ctx, input) => {
  const name = required(input, "AliasName");
  if (!name.ok) return name;
  const state = kmsRegion(ctx.world, ctx.account, ctx.region);
  if (name.value.startsWith("alias/aws/"))
    return fail("AccessDeniedException", "AWS managed aliases cannot be deleted.");
  if (!state.aliases.delete(name.value)) {
    return fail("NotFoundException", `Alias ${aliasArn(ctx.region, ctx.account, name.value)} is not found.`);
  }
  return ok({});
};

const ListAliases: KmsHandler = (ctx, input) => {
  const limit = limitOf(input, 100, 50);
  if (!limit.ok) return limit;
  const state = kmsRegion(ctx.world, ctx.account, ctx.region);
  let aliases = [...state.aliases.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const keyRef = field.str(input, "KeyId");
  if (keyRef !== undefined) {
    const key = ownKey(ctx, { KeyId: keyRef }, "ListAliases");
    if (!key.ok) return key;
    aliases = aliases.filter((a) => a.targetKeyId === key.value.id);
  }
  return paged(aliases, input, limit.value, (page) => ({
    Aliases: page.map((a) => ({
      AliasName: a.name,
      AliasArn: a.arn,
      TargetKeyId: a.targetKeyId,
      CreationDate: a.createdAt / 1000,
      LastUpdatedDate: a.createdAt / 1000,
    })),
  }));
};

const ListKeys: KmsHandler = (ctx, input) => {
  const limit = limitOf(input, 1000, 100);
  if (!limit.ok) return limit;
  const state = kmsRegion(ctx.world, ctx.account, ctx.region);
  const keys = [...state.keys.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return paged(keys, input, limit.value, (page) => ({ Keys: page.map((k) => ({ KeyId: k.id, KeyArn: k.arn })) }));
};

const GetKeyPolicy: KmsHandler = (ctx, input) => {
  const key = ownKey(ctx, input, "GetKeyPolicy");
  if (!key.ok) return key;
  return ok({ Policy: key.value.policy, PolicyName: field.str(input, "PolicyName") ?? "default" });
};

const PutKeyPolicy: KmsHandler = (ctx, input) => {
  const key = customerKey(ctx, input, "PutKeyPolicy");
  if (!key.ok) return key;
  const policy = required(input, "Policy");
  if (!policy.ok) return policy;
  // BypassPolicyLockoutSafetyCheck is deliberately ignored: the simulator always applies the check.
  const checked = checkNoLockout(policy.value, ctx.principal);
  if (!checked.ok) return checked;
  if (key.value.state === "PendingDeletion")
    return fail("KMSInvalidStateException", `${key.value.arn} is pending deletion.`);
  key.value.policy = policy.value;
  return ok({});
};

const ListResourceTags: KmsHandler = (ctx, input) => {
  const key = ownKey(ctx, input, "ListResourceTags");
  if (!key.ok) return key;
  const limit = limitOf(input, 50, 50);
  if (!limit.ok) return limit;
  return paged(tagList(key.value.tags), input, limit.value, (page) => ({ Tags: page }));
};

const TagResource: KmsHandler = (ctx, input) => {
  const key = customerKey(ctx, input, "TagResource");
  if (!key.ok) return key;
  for (const [k, v] of readTags(input)) key.value.tags.set(k, v);
  return ok({});
};

const UntagResource: KmsHandler = (ctx, input) => {
  const key = customerKey(ctx, input, "UntagResource");
  if (!key.ok) return key;
  const keys = Array.isArray(input.TagKeys) ? input.TagKeys : [];
  for (const k of keys) if (typeof k === "string") key.value.tags.delete(k);
  return ok({});
};

const ScheduleKeyDeletion: KmsHandler = (ctx, input) => {
  const key = customerKey(ctx, input, "ScheduleKeyDeletion");
  if (!key.ok) return key;
  const days = field.num(input, "PendingWindowInDays") ?? 30;
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    return fail("ValidationException", `PendingWindowInDays must be between 7 and 30, got ${days}`);
  }
  if (key.value.state === "PendingDeletion")
    return fail("KMSInvalidStateException", `${key.value.arn} is pending deletion.`);
  key.value.state = "PendingDeletion";
  key.value.deletionDate = ctx.now + days * 86_400_000;
  return ok({
    KeyId: key.value.arn,
    DeletionDate: key.value.deletionDate / 1000,
    KeyState: "PendingDeletion",
    PendingWindowInDays: days,
  });
};

const CancelKeyDeletion: KmsHandler = (ctx, input) => {
  const key = customerKey(ctx, input, "CancelKeyDeletion");
  if (!key.ok) return key;
  if (key.value.state !== "PendingDeletion")
    return fail("KMSInvalidStateException", `${key.value.arn} is not pending deletion.`);
  key.value.state = "Disabled";
  key.value.deletionDate = undefined;
  return ok({ KeyId: key.value.arn });
};

export const kmsActions: Record<string, KmsHandler> = {
  CreateKey,
  DescribeKey,
  CreateAlias,
  DeleteAlias,
  ListAliases,
  ListKeys,
  GetKeyPolicy,
  PutKeyPolicy,
  ListResourceTags,
  TagResource,
  UntagResource,
  ScheduleKeyDeletion,
  CancelKeyDeletion,
};
