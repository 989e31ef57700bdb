import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { clients, errorOf, keyOf, PROD, REGION, STAGING, startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.close());

const lockingPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${STAGING}:root` }, Action: "kms:Decrypt", Resource: "*" },
  ],
});

describe("KMS", () => {
  it("creates a customer key, aliases it and describes it by id, ARN, alias and alias ARN", async () => {
    const { kms } = clients(sim);
    const created = await kms.send(
      new CreateKeyCommand({ Description: "hikkoshi test", Tags: [{ TagKey: "owner", TagValue: "hikkoshi" }] }),
    );
    const meta = created.KeyMetadata!;
    expect(meta.KeyManager).toBe("CUSTOMER");
    expect(meta.KeyState).toBe("Enabled");
    expect(meta.Arn).toBe(`arn:aws:kms:${REGION}:${PROD}:key/${meta.KeyId}`);
    expect(meta.CreationDate).toBeInstanceOf(Date);
    await kms.send(new CreateAliasCommand({ AliasName: "alias/hikkoshi/test", TargetKeyId: meta.KeyId }));
    for (const ref of [
      meta.KeyId!,
      meta.Arn!,
      "alias/hikkoshi/test",
      `arn:aws:kms:${REGION}:${PROD}:alias/hikkoshi/test`,
    ]) {
      const d = await kms.send(new DescribeKeyCommand({ KeyId: ref }));
      expect(d.KeyMetadata?.KeyId).toBe(meta.KeyId);
    }
    const again = await errorOf(
      kms.send(new CreateAliasCommand({ AliasName: "alias/hikkoshi/test", TargetKeyId: meta.KeyId })),
    );
    expect(again.name).toBe("AlreadyExistsException");
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: meta.KeyId }));
    expect(aliases.Aliases?.map((a) => a.AliasName)).toEqual(["alias/hikkoshi/test"]);
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: meta.KeyId }));
    expect(tags.Tags).toEqual([{ TagKey: "owner", TagValue: "hikkoshi" }]);
    await kms.send(new TagResourceCommand({ KeyId: meta.KeyId, Tags: [{ TagKey: "run", TagValue: "r1" }] }));
    const tags2 = await kms.send(new ListResourceTagsCommand({ KeyId: meta.KeyId }));
    expect(tags2.Tags?.map((t) => t.TagKey)).toEqual(["owner", "run"]);
  });

  it("has AWS managed keys implicitly, with deterministic ids", async () => {
    const { kms } = clients(sim);
    const d = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }));
    expect(d.KeyMetadata?.KeyManager).toBe("AWS");
    const other = await startTestSim();
    try {
      const d2 = await clients(other).kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }));
      expect(d2.KeyMetadata?.KeyId).toBe(d.KeyMetadata?.KeyId);
    } finally {
      await other.close();
    }
    const all = await kms.send(new ListAliasesCommand({}));
    expect(all.Aliases?.map((a) => a.AliasName)).toEqual(
      expect.arrayContaining(["alias/aws/rds", "alias/aws/ebs", "alias/app-data"]),
    );
  });

  it("answers NotFoundException for unknown keys and aliases, InvalidArnException for a bad ARN", async () => {
    const { kms } = clients(sim);
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: "alias/nope" })))).name).toBe("NotFoundException");
    expect(
      (await errorOf(kms.send(new DescribeKeyCommand({ KeyId: "1234abcd-0000-4000-a000-000000000000" })))).name,
    ).toBe("NotFoundException");
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: "arn:aws:kms:bogus" })))).name).toBe(
      "InvalidArnException",
    );
  });

  it("pages ListKeys and ListAliases", async () => {
    const { kms } = clients(sim);
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
      ids.push(...(page.Keys ?? []).map((k) => k.KeyId!));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    const all = await kms.send(new ListKeysCommand({}));
    expect(ids).toEqual(all.Keys?.map((k) => k.KeyId));
    expect(ids.length).toBeGreaterThan(3);
  });

  it("refuses a key policy that would lock the account out (even with the bypass flag)", async () => {
    const { kms } = clients(sim);
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    for (const bypass of [false, true]) {
      const err = await errorOf(
        kms.send(
          new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: lockingPolicy, BypassPolicyLockoutSafetyCheck: bypass }),
        ),
      );
      expect(err.name).toBe("MalformedPolicyDocumentException");
    }
    const bad = await errorOf(kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: "{not json" })));
    expect(bad.name).toBe("MalformedPolicyDocumentException");
    const created = await errorOf(kms.send(new CreateKeyCommand({ Policy: lockingPolicy })));
    expect(created.name).toBe("MalformedPolicyDocumentException");

    const keeping = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: "kms:*", Resource: "*" },
        { Effect: "Allow", Principal: { AWS: STAGING }, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*" },
      ],
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: keeping }));
    const got = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: "default" }));
    expect(JSON.parse(got.Policy!)).toEqual(JSON.parse(keeping));
  });

  it("lets another account describe a key only when the key policy admits it; never an AWS managed key", async () => {
    const prod = clients(sim).kms;
    const staging = clients(sim, keyOf(STAGING)).kms;
    const shared = await prod.send(new DescribeKeyCommand({ KeyId: "alias/shared-with-staging" }));
    const seen = await staging.send(new DescribeKeyCommand({ KeyId: shared.KeyMetadata!.Arn }));
    expect(seen.KeyMetadata?.AWSAccountId).toBe(PROD);
    const priv = await prod.send(new DescribeKeyCommand({ KeyId: "alias/app-data" }));
    expect((await errorOf(staging.send(new DescribeKeyCommand({ KeyId: priv.KeyMetadata!.Arn })))).name).toBe(
      "AccessDeniedException",
    );
    const managed = await prod.send(new DescribeKeyCommand({ KeyId: "alias/aws/rds" }));
    expect((await errorOf(staging.send(new DescribeKeyCommand({ KeyId: managed.KeyMetadata!.Arn })))).name).toBe(
      "AccessDeniedException",
    );
  });

  it("schedules deletion in 7 to 30 days; the key is gone once the window has passed", async () => {
    const { kms } = clients(sim);
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    expect(
      (await errorOf(kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 3 })))).name,
    ).toBe("ValidationException");
    const out = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    expect(out.KeyState).toBe("PendingDeletion");
    expect(out.DeletionDate!.getTime() - sim.now()).toBeGreaterThan(6.9 * 86_400_000);
    const d = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    expect(d.KeyMetadata?.KeyState).toBe("PendingDeletion");
    expect((await errorOf(kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId })))).name).toBe(
      "KMSInvalidStateException",
    );
    sim.advance(7 * 86_400_000);
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId: key.KeyId })))).name).toBe("NotFoundException");
  });

  it("answers UnrecognizedClientException for an unknown access key", async () => {
    const { kms } = clients(sim, { accessKeyId: "AKIANOTASIMKEY0000", secretAccessKey: "x" });
    expect((await errorOf(kms.send(new ListKeysCommand({})))).name).toBe("UnrecognizedClientException");
  });
});
