/**
 * SNS on the simulator through the real SDK (awsQuery): topics seeded or created, Publish recorded for tests,
 * SNS's error codes for a missing topic, another account's topic, and bad parameters.
 */
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { type Creds, errorOf, keyOf, PROD, REGION, STAGING, startTestSim } from "./helpers.js";

const SEED: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          snsTopics: [
            { name: "ops-alerts", displayName: "Ops" },
            {
              name: "shared-alerts",
              policy: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${STAGING}:root` },
                    Action: "sns:Publish",
                    Resource: "*",
                  },
                ],
              },
            },
          ],
        },
      },
    },
    [STAGING]: {},
  },
};

const arn = (name: string, account = PROD, region = REGION) => `arn:aws:sns:${region}:${account}:${name}`;

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim(SEED);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const sns = (creds: Creds = keyOf(PROD), region = REGION) =>
  new SNSClient({ endpoint: sim.url, region, credentials: creds, maxAttempts: 1 });

describe("SNS", () => {
  it("publishes to a seeded topic: a MessageId, and the message readable by tests (handle and control API)", async () => {
    const out = await sns().send(
      new PublishCommand({ TopicArn: arn("ops-alerts"), Subject: "hikkoshi: run ended", Message: "done\nline 2" }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const published = sim.snsPublished();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      messageId: out.MessageId,
      topicArn: arn("ops-alerts"),
      publisher: `arn:aws:iam::${PROD}:user/sim-user`,
      subject: "hikkoshi: run ended",
      message: "done\nline 2",
    });
    const viaControl = (await (await fetch(`${sim.url}/_sim/sns/published`)).json()) as unknown[];
    expect(viaControl).toEqual(published);
  });

  it("creates topics idempotently, lists them and answers their attributes (a map on the wire)", async () => {
    const a = await sns().send(new CreateTopicCommand({ Name: "night", Attributes: { DisplayName: "Night" } }));
    const b = await sns().send(new CreateTopicCommand({ Name: "night" }));
    expect(a.TopicArn).toBe(arn("night"));
    expect(b.TopicArn).toBe(a.TopicArn);
    const list = await sns().send(new ListTopicsCommand({}));
    expect(list.Topics?.map((t) => t.TopicArn)).toEqual([arn("night"), arn("ops-alerts"), arn("shared-alerts")]);
    const attrs = await sns().send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn }));
    expect(attrs.Attributes).toMatchObject({ TopicArn: arn("night"), Owner: PROD, DisplayName: "Night" });
    expect(JSON.parse(attrs.Attributes?.Policy ?? "{}").Statement).toHaveLength(1);
  });

  it("answers NotFound (404) for a topic that does not exist, spelled on the wire as SNS does", async () => {
    const err = await errorOf(sns().send(new PublishCommand({ TopicArn: arn("missing"), Message: "x" })));
    // The wire code is SNS's `NotFound`; the SDK's error class for it is NotFoundException.
    expect(err.name).toBe("NotFoundException");
    expect(err.$metadata?.httpStatusCode).toBe(404);
    const body = new URLSearchParams({
      Action: "Publish",
      Version: "2010-03-31",
      TopicArn: arn("missing"),
      Message: "x",
    });
    const raw = await fetch(sim.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=AKSIM${PROD}/20260101/${REGION}/sns/aws4_request, SignedHeaders=host, Signature=x`,
      },
      body,
    });
    expect(raw.status).toBe(404);
    expect(await raw.text()).toContain("<Code>NotFound</Code>");
  });

  it("answers AuthorizationError (403) for another account's topic, unless its policy allows the caller", async () => {
    const staging = sns(keyOf(STAGING));
    const denied = await errorOf(staging.send(new PublishCommand({ TopicArn: arn("ops-alerts"), Message: "x" })));
    expect(denied.name).toBe("AuthorizationErrorException");
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    const attrs = await errorOf(staging.send(new GetTopicAttributesCommand({ TopicArn: arn("shared-alerts") })));
    expect(attrs.name).toBe("AuthorizationErrorException");
    await staging.send(new PublishCommand({ TopicArn: arn("shared-alerts"), Message: "from staging" }));
    expect(sim.snsPublished().map((m) => m.publisher)).toEqual([`arn:aws:iam::${STAGING}:user/sim-user`]);
    // The owner opens ops-alerts to staging: then staging may publish there too.
    await sns().send(
      new SetTopicAttributesCommand({
        TopicArn: arn("ops-alerts"),
        AttributeName: "Policy",
        AttributeValue: JSON.stringify({
          Statement: [{ Effect: "Allow", Principal: { AWS: STAGING }, Action: "SNS:Publish", Resource: "*" }],
        }),
      }),
    );
    await staging.send(new PublishCommand({ TopicArn: arn("ops-alerts"), Message: "now allowed" }));
  });

  it("answers InvalidParameter for an empty message, a bad subject, or a topic of another region", async () => {
    const codes = await Promise.all([
      errorOf(sns().send(new PublishCommand({ TopicArn: arn("ops-alerts"), Message: "" }))),
      errorOf(sns().send(new PublishCommand({ TopicArn: arn("ops-alerts"), Message: "x", Subject: "a\nb" }))),
      errorOf(sns().send(new PublishCommand({ TopicArn: arn("ops-alerts", PROD, "us-east-1"), Message: "x" }))),
    ]);
    expect(codes.map((e) => e.name)).toEqual([
      "InvalidParameterException",
      "InvalidParameterException",
      "InvalidParameterException",
    ]);
    expect(sim.snsPublished()).toEqual([]);
  });
});
