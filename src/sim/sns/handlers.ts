/**
 * SNS over awsQuery: CreateTopic, GetTopicAttributes, SetTopicAttributes (Policy, DisplayName), ListTopics,
 * DeleteTopic and Publish (to a topic). Errors as SNS spells them: NotFound (404) for a topic that does not
 * exist, AuthorizationError (403) for another account's topic its policy does not open, InvalidParameter (400).
 */
import { uuidFrom } from "../ids.js";
import { fail, ok } from "../outcome.js";
import { type QueryInput, xmlList } from "../protocol/query.js";
import type { CallContext, Handler } from "../protocol/types.js";
import { mayAct } from "./access.js";
import { addTopic, type Topic, topicArn } from "./model.js";

type SnsHandler = Handler<QueryInput>;

const ARN = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;
/** SNS caps a message at 256 KiB. */
const MAX_MESSAGE_BYTES = 262_144;

const invalid = (what: string) => fail("InvalidParameter", `Invalid parameter: ${what}`);

/** The topic an ARN names, if the caller may do `action` on it. */
function topicFor(ctx: CallContext, arn: string | undefined, action: string) {
  if (!arn) return invalid("TopicArn");
  const m = ARN.exec(arn);
  if (!m || m[1] !== ctx.region) return invalid("TopicArn");
  const topic = ctx.world.sns.topics.get(arn);
  if (!topic) return fail("NotFound", "Topic does not exist", 404);
  if (!mayAct(topic, ctx.principal, action)) {
    return fail(
      "AuthorizationError",
      `User: ${ctx.principal.arn} is not authorized to perform: SNS:${action} on resource: ${arn}`,
      403,
    );
  }
  return ok(topic);
}

const CreateTopic: SnsHandler = (ctx, input) => {
  const name = input.str("Name");
  if (!name || !/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
    return invalid("Topic Name");
  }
  const arn = topicArn(ctx.region, ctx.account, name);
  const existing = ctx.world.sns.topics.get(arn);
  if (existing) return ok({ TopicArn: existing.arn });
  const attributes = attributeMap(input);
  const topic = addTopic(ctx.world.sns, {
    name,
    account: ctx.account,
    region: ctx.region,
    now: ctx.now,
    ...(attributes.DisplayName !== undefined ? { displayName: attributes.DisplayName } : {}),
    ...(attributes.Policy !== undefined ? { policy: attributes.Policy } : {}),
  });
  return ok({ TopicArn: topic.arn });
};

/** `Attributes.entry.N.key` / `.value`, as the SDK sends a map. */
function attributeMap(input: QueryInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of input.structs("Attributes")) {
    const k = e.str("key");
    const v = e.str("value");
    if (k !== undefined && v !== undefined) out[k] = v;
  }
  return out;
}

function attributesOf(topic: Topic): Record<string, string> {
  return {
    TopicArn: topic.arn,
    Owner: topic.account,
    Policy: topic.policy,
    DisplayName: topic.displayName,
    SubscriptionsConfirmed: "0",
    SubscriptionsPending: "0",
    SubscriptionsDeleted: "0",
    EffectiveDeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 3 } } }),
  };
}

const GetTopicAttributes: SnsHandler = (ctx, input) => {
  const found = topicFor(ctx, input.str("TopicArn"), "GetTopicAttributes");
  if (!found.ok) return found;
  const entries = Object.entries(attributesOf(found.value)).map(([key, value]) => ({ key, value }));
  return ok({ Attributes: xmlList("entry", entries) });
};

const SetTopicAttributes: SnsHandler = (ctx, input) => {
  const found = topicFor(ctx, input.str("TopicArn"), "SetTopicAttributes");
  if (!found.ok) return found;
  const name = input.str("AttributeName");
  const value = input.str("AttributeValue") ?? "";
  if (name === "Policy") {
    try {
      JSON.parse(value);
    } catch {
      return invalid("Policy Error: null");
    }
    found.value.policy = value;
  } else if (name === "DisplayName") found.value.displayName = value;
  else return invalid("AttributeName");
  return ok({});
};

const ListTopics: SnsHandler = (ctx) => {
  const own = [...ctx.world.sns.topics.values()]
    .filter((t) => t.account === ctx.account && t.region === ctx.region)
    .sort((a, b) => a.arn.localeCompare(b.arn));
  return ok({
    Topics: xmlList(
      "member",
      own.map((t) => ({ TopicArn: t.arn })),
    ),
  });
};

const DeleteTopic: SnsHandler = (ctx, input) => {
  const arn = input.str("TopicArn");
  // Deleting a topic that does not exist succeeds, as in SNS.
  if (arn && !ctx.world.sns.topics.has(arn)) return ok({});
  const found = topicFor(ctx, arn, "DeleteTopic");
  if (!found.ok) return found;
  ctx.world.sns.topics.delete(found.value.arn);
  return ok({});
};

const Publish: SnsHandler = (ctx, input) => {
  if (input.has("TargetArn") || input.has("PhoneNumber")) {
    return invalid("the simulator publishes to topics only (TopicArn)");
  }
  const message = input.str("Message");
  if (message === undefined || message === "") return invalid("Message");
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) return invalid("Message too long");
  const subject = input.str("Subject");
  // SNS: ASCII, starting with a letter, number or punctuation, no line breaks, under 100 characters.
  if (subject !== undefined && (subject.length === 0 || subject.length > 99 || !/^[\x20-\x7e]+$/.test(subject))) {
    return invalid("Subject");
  }
  const found = topicFor(ctx, input.str("TopicArn"), "Publish");
  if (!found.ok) return found;
  const published = ctx.world.sns.published;
  const messageId = uuidFrom("sns", found.value.arn, published.length);
  published.push({
    messageId,
    topicArn: found.value.arn,
    publisher: ctx.principal.arn,
    subject,
    message,
    at: new Date(ctx.now).toISOString(),
  });
  return ok({ MessageId: messageId });
};

export const snsActions: Record<string, SnsHandler> = {
  CreateTopic,
  GetTopicAttributes,
  SetTopicAttributes,
  ListTopics,
  DeleteTopic,
  Publish,
};
