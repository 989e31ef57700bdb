/**
 * SNS topics and what was published to them. Topics live per account and region (`arn:aws:sns:<region>:
 * <account>:<name>`); messages are kept in the order they were published, for tests and the control API
 * (`GET /_sim/sns/published`): nothing is delivered to subscribers.
 */
import { z } from "zod";

export interface Topic {
  arn: string;
  name: string;
  account: string;
  region: string;
  displayName: string;
  /** The topic's access policy (JSON), as SNS keeps it: the default lets only the owner's account act. */
  policy: string;
  createdAt: number;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  /** The caller's ARN. */
  publisher: string;
  subject: string | undefined;
  message: string;
  /** Virtual time of the Publish. */
  at: string;
}

export interface SnsState {
  topics: Map<string, Topic>;
  published: PublishedMessage[];
}

export function emptySnsState(): SnsState {
  return { topics: new Map(), published: [] };
}

/** A seeded topic (`snsTopics` of a region): its name and, optionally, its access policy. */
export const TopicSeed = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "1–256 letters, digits, hyphens or underscores"),
  displayName: z.string().default(""),
  /** Access policy as an object or a JSON string. Default: only the owner's account may act on it. */
  policy: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

export function topicArn(region: string, account: string, name: string): string {
  return `arn:aws:sns:${region}:${account}:${name}`;
}

/** SNS's default topic policy: every SNS action for principals of the owner's account. */
export function defaultTopicPolicy(arn: string, account: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["SNS:Publish", "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:Subscribe"],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": account } },
      },
    ],
  });
}

export function addTopic(
  state: SnsState,
  t: { name: string; account: string; region: string; displayName?: string; policy?: string; now: number },
): Topic {
  const arn = topicArn(t.region, t.account, t.name);
  const topic: Topic = {
    arn,
    name: t.name,
    account: t.account,
    region: t.region,
    displayName: t.displayName ?? "",
    policy: t.policy ?? defaultTopicPolicy(arn, t.account),
    createdAt: t.now,
  };
  state.topics.set(arn, topic);
  return topic;
}
