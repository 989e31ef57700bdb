import { describe, expect, it } from "vitest";
import { type BucketConfig, SETTINGS } from "../../../src/steps/s3/bucket/config.js";
import { accountMentions, describeChanges, rewriteJson } from "../../../src/steps/s3/bucket/rewrite.js";
import { settingActions } from "../../../src/steps/s3/bucket/settings.js";

const SRC = "111111111111";
const DST = "222222222222";

function config(settings: Partial<BucketConfig>): BucketConfig {
  const empty = Object.fromEntries(SETTINGS.map((s) => [s, null])) as unknown as BucketConfig;
  return {
    ...empty,
    format: 1,
    sourceAccountId: SRC,
    sourceRegion: "ap-northeast-1",
    sourceBucket: "logs-111111111111",
    ...settings,
  };
}

describe("account id rewriting", () => {
  const rules = { fromAccountId: SRC, toAccountId: DST };

  it("rewrites account references and leaves names and bucket ARNs alone", () => {
    const policy = {
      Statement: [
        {
          Principal: { AWS: [`arn:aws:iam::${SRC}:root`, SRC, `arn:aws:iam::${SRC}:role/reader`] },
          Resource: `arn:aws:s3:::logs-${SRC}/*`,
          Condition: {
            StringEquals: { "aws:SourceAccount": SRC, "aws:SourceArn": `arn:aws:sns:ap-northeast-1:${SRC}:t` },
          },
        },
      ],
      Note: `bucket logs-${SRC}`,
      Longer: `1${SRC}`,
    };
    const { value, changes } = rewriteJson(policy, rules);
    expect(changes.map((c) => c.path)).toEqual([
      "Statement[0].Principal.AWS[0]",
      "Statement[0].Principal.AWS[1]",
      "Statement[0].Principal.AWS[2]",
      "Statement[0].Condition.StringEquals.aws:SourceAccount",
      "Statement[0].Condition.StringEquals.aws:SourceArn",
    ]);
    expect(JSON.stringify(value)).toContain(`arn:aws:s3:::logs-${SRC}/*`);
    expect(describeChanges(changes, 1)).toBe(
      `Statement[0].Principal.AWS[0]: arn:aws:iam::${SRC}:root → arn:aws:iam::${DST}:root; and 4 more`,
    );
  });

  it("renames the bucket in bucket and object ARNs only when the name changes", () => {
    const rename = { fromBucket: "old", toBucket: "new" };
    const { value } = rewriteJson(["arn:aws:s3:::old", "arn:aws:s3:::old/*", "arn:aws:s3:::older/*", "old"], rename);
    expect(value).toEqual(["arn:aws:s3:::new", "arn:aws:s3:::new/*", "arn:aws:s3:::older/*", "old"]);
  });

  it("tells what rewriting can fix (the account, same-named things) from what it cannot (KMS key ids)", () => {
    const key = `arn:aws:kms:ap-northeast-1:${SRC}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const mentions = [
      `arn:aws:iam::${SRC}:root`,
      `arn:aws:iam::${SRC}:role/r`,
      `arn:aws:sns:ap-northeast-1:${SRC}:t`,
      key,
      SRC,
    ];
    expect(accountMentions(mentions, SRC).map((m) => m.kind)).toEqual([
      "account",
      "named",
      "named",
      "unfixable",
      "account",
    ]);
    expect(rewriteJson(key, rules).changes).toEqual([]);
  });
});

describe("settingActions", () => {
  const replication = {
    Role: `arn:aws:iam::${SRC}:role/replicator`,
    Rules: [{ Status: "Enabled", Destination: { Bucket: "arn:aws:s3:::replica", Account: SRC } }],
  };

  it("skips replication naming the source account unless ids are rewritten", () => {
    const c = config({ replication, versioning: { Status: "Enabled", MFADelete: "Enabled" } });
    const plain = settingActions(c, { accountId: DST, bucket: "logs-111111111111", rewriteAccountIds: false });
    expect(plain.find((a) => a.setting === "replication")).toMatchObject({ action: "skip" });
    expect(plain.find((a) => a.setting === "versioning")).toMatchObject({
      action: "apply",
      value: { Status: "Enabled" },
      note: expect.stringContaining("MFA delete"),
    });
    const rewritten = settingActions(c, { accountId: DST, bucket: "logs-111111111111", rewriteAccountIds: true });
    expect(rewritten.find((a) => a.setting === "replication")).toMatchObject({
      action: "apply",
      value: { Role: `arn:aws:iam::${DST}:role/replicator` },
      note: expect.stringContaining("must exist there"),
    });
  });

  it("applies everything as is within one account", () => {
    const actions = settingActions(config({ replication }), {
      accountId: SRC,
      bucket: "x-copy",
      rewriteAccountIds: false,
    });
    expect(actions.find((a) => a.setting === "replication")).toMatchObject({ action: "apply", sourceMentions: 0 });
  });
});
