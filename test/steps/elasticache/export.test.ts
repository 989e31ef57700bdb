/**
 * elasticache.export-snapshot on the simulator: one .rdb per shard in a bucket that lets ElastiCache in by
 * policy or by ACL, with their ARNs in the bucket and in the destination bucket; the plan blocks a bucket
 * without either grant (and gives the statement), another account's bucket and a missing one; a resume,
 * with the export in flight or done and the checkpoint kept or lost, makes no second request; a serverless
 * snapshot exports with ExportServerlessCacheSnapshot.
 */

import { CreateSnapshotCommand } from "@aws-sdk/client-elasticache";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { elasticacheExportSnapshot } from "../../../src/steps/elasticache/export-snapshot.js";
import { cacheName } from "../../../src/steps/elasticache/read.js";
import {
  ACL_BUCKET,
  blocking,
  countOf,
  DEST_BUCKET,
  FAR_BUCKET,
  OTHER_BUCKET,
  PARTIAL_BUCKET,
  PLAIN_BUCKET,
  POLICY_BUCKET,
  REGION,
  startCacheWorld,
  stopCacheWorld,
} from "./world.js";

afterEach(stopCacheWorld);

const TASK = "cache.export[sessions]";

describe("elasticache.export-snapshot", () => {
  it("exports one .rdb per shard into a bucket granted by policy, with their ARNs there and in the destination", async () => {
    const { sim, h } = await startCacheWorld();
    const params = { snapshot: "before-move", bucket: POLICY_BUCKET, destinationBucket: DEST_BUCKET };
    sim.resetStats();
    const plan = await h.plan(elasticacheExportSnapshot, "source", params, TASK);
    expect(blocking(plan)).toEqual([]);
    expect(plan.summary).toContain("2 .rdb files");
    expect(sim.stats().mutating).toBe(0);

    const name = cacheName(h.runContext("source", TASK), "export-0");
    const out = await h.run(elasticacheExportSnapshot, "source", params, TASK);
    const keys = [`${name}-0001.rdb`, `${name}-0002.rdb`];
    expect(out).toMatchObject({
      bucket: POLICY_BUCKET,
      prefix: `${name}-`,
      keys,
      objectArns: keys.map((k) => `arn:aws:s3:::${POLICY_BUCKET}/${k}`),
      destinationArns: keys.map((k) => `arn:aws:s3:::${DEST_BUCKET}/${k}`),
    });
    expect(Number(out.sizeBytes)).toBeGreaterThan(0);
    const listed = await h.session.client("source", "s3").send(new ListObjectsV2Command({ Bucket: POLICY_BUCKET }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(keys);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);

    // The same task again (its result not recorded): the files are there, nothing is asked again.
    const again = await h.run(elasticacheExportSnapshot, "source", params, TASK);
    expect(again).toEqual(out);
    h.progress.delete(TASK);
    const lost = await h.run(elasticacheExportSnapshot, "source", params, TASK);
    expect(lost).toEqual(out);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);
  });

  it("exports into a bucket whose ACL grants ElastiCache READ, WRITE and READ_ACP", async () => {
    const { sim, h } = await startCacheWorld();
    const params = { snapshot: "before-move", bucket: ACL_BUCKET };
    expect(blocking(await h.plan(elasticacheExportSnapshot, "source", params, TASK))).toEqual([]);
    const out = await h.run(elasticacheExportSnapshot, "source", params, TASK);
    expect(out.keys).toHaveLength(2);
    expect(out.destinationArns).toEqual([]);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);
  });

  it("plan blocks a bucket ElastiCache may not write, another account's bucket and a missing one", async () => {
    const { sim, h } = await startCacheWorld();
    sim.resetStats();
    const plain = await h.plan(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "before-move", bucket: PLAIN_BUCKET },
      TASK,
    );
    expect(blocking(plain)).toEqual(["ELASTICACHE_BUCKET_NOT_GRANTED"]);
    const hint = plain.preconditions.find((c) => c.code === "ELASTICACHE_BUCKET_NOT_GRANTED")?.hint ?? "";
    const statement = JSON.parse(hint.slice(hint.indexOf("{")));
    expect(statement).toMatchObject({
      Effect: "Allow",
      Principal: { Service: `${REGION}.elasticache-snapshot.amazonaws.com` },
      Resource: [`arn:aws:s3:::${PLAIN_BUCKET}`, `arn:aws:s3:::${PLAIN_BUCKET}/*`],
    });
    expect(statement.Action).toEqual(expect.arrayContaining(["s3:PutObject", "s3:ListBucket", "s3:GetBucketAcl"]));

    const other = await h.plan(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "before-move", bucket: OTHER_BUCKET },
      TASK,
    );
    expect(blocking(other)).toEqual(["ELASTICACHE_EXPORT_BUCKET"]);
    const absent = await h.plan(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "before-move", bucket: "no-such-bucket" },
      TASK,
    );
    expect(blocking(absent)).toEqual(["ELASTICACHE_EXPORT_BUCKET"]);
    expect(sim.stats().mutating).toBe(0);
  });

  it("plan blocks an ACL that lacks READ_ACP, and a bucket of another region", async () => {
    const { sim, h } = await startCacheWorld();
    sim.resetStats();
    const partial = await h.plan(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "before-move", bucket: PARTIAL_BUCKET },
      TASK,
    );
    expect(blocking(partial)).toEqual(["ELASTICACHE_BUCKET_NOT_GRANTED"]);
    const message = partial.preconditions.find((c) => c.code === "ELASTICACHE_BUCKET_NOT_GRANTED")?.message ?? "";
    expect(message).toMatch(/ElastiCache READ_ACP$/);
    const far = await h.plan(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "before-move", bucket: FAR_BUCKET },
      TASK,
    );
    expect(blocking(far)).toContain("ELASTICACHE_EXPORT_BUCKET");
    expect(far.preconditions.find((c) => c.code === "ELASTICACHE_EXPORT_BUCKET")?.message).toContain("us-west-2");
    expect(sim.stats().mutating).toBe(0);
  });

  it("another export's files whose names start with this one's are not taken for its own", async () => {
    const { sim, h } = await startCacheWorld();
    // carts-base-eu is exported first: its file carts-base-eu-0001.rdb starts with "carts-base-".
    const eu = await h.run(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "carts-base-eu", kind: "serverless", bucket: ACL_BUCKET },
      "cache.export[carts-eu]",
    );
    expect(eu.keys).toEqual(["carts-base-eu-0001.rdb"]);
    const out = await h.run(
      elasticacheExportSnapshot,
      "source",
      { snapshot: "carts-base", kind: "serverless", bucket: ACL_BUCKET },
      "cache.export[carts]",
    );
    expect(out.keys).toEqual(["carts-base-0001.rdb"]);
    expect(countOf(sim, "elasticache:ExportServerlessCacheSnapshot")).toBe(2);
  });

  it("a resume while the export is in flight, checkpoint kept or lost, asks for no second export", async () => {
    const { sim, h } = await startCacheWorld();
    const params = elasticacheExportSnapshot.params.parse({ snapshot: "before-move", bucket: POLICY_BUCKET });
    const crash = async () => {
      throw new Error("crash while waiting");
    };
    // The first attempt asks for the export and crashes before its files are there.
    await expect(
      elasticacheExportSnapshot.run({ ...h.runContext("source", TASK), wait: crash }, params),
    ).rejects.toThrow("crash while waiting");
    expect(h.progress.get(TASK)).toMatchObject({ requested: true, exportAttempt: 0 });
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);

    // Resumed with its checkpoint, still in flight: waited for, not asked again.
    await expect(
      elasticacheExportSnapshot.run({ ...h.runContext("source", TASK), wait: crash }, params),
    ).rejects.toThrow("crash while waiting");
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);

    // The checkpoint lost as well: the snapshot is exporting, so nothing is asked again.
    h.progress.delete(TASK);
    const out = await h.run(elasticacheExportSnapshot, "source", params, TASK);
    expect(out.keys).toEqual([
      `${cacheName(h.runContext("source", TASK), "export-0")}-0001.rdb`,
      `${cacheName(h.runContext("source", TASK), "export-0")}-0002.rdb`,
    ]);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);
    expect(sim.stats().errors).toEqual({});
  });

  it("exports a serverless snapshot once, with ExportServerlessCacheSnapshot", async () => {
    const { sim, h } = await startCacheWorld();
    const params = { snapshot: "carts-base", kind: "serverless", bucket: ACL_BUCKET, destinationBucket: DEST_BUCKET };
    expect(blocking(await h.plan(elasticacheExportSnapshot, "source", params, "cache.export[carts]"))).toEqual([]);
    const out = await h.run(elasticacheExportSnapshot, "source", params, "cache.export[carts]");
    expect(out).toMatchObject({
      keys: ["carts-base-0001.rdb"],
      objectArns: [`arn:aws:s3:::${ACL_BUCKET}/carts-base-0001.rdb`],
      destinationArns: [`arn:aws:s3:::${DEST_BUCKET}/carts-base-0001.rdb`],
    });
    h.progress.delete("cache.export[carts]");
    await h.run(elasticacheExportSnapshot, "source", params, "cache.export[carts]");
    expect(countOf(sim, "elasticache:ExportServerlessCacheSnapshot")).toBe(1);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(0);
  });

  it("a serverless export in flight is waited for on resume, checkpoint kept or lost", async () => {
    const { sim, h } = await startCacheWorld();
    const task = "cache.export[carts]";
    const params = elasticacheExportSnapshot.params.parse({
      snapshot: "carts-base",
      kind: "serverless",
      bucket: ACL_BUCKET,
    });
    await expect(
      elasticacheExportSnapshot.run(
        {
          ...h.runContext("source", task),
          wait: async () => {
            throw new Error("crash while waiting");
          },
        },
        params,
      ),
    ).rejects.toThrow("crash while waiting");
    h.progress.delete(task);
    const out = await h.run(elasticacheExportSnapshot, "source", params, task);
    expect(out.keys).toEqual(["carts-base-0001.rdb"]);
    expect(countOf(sim, "elasticache:ExportServerlessCacheSnapshot")).toBe(1);
  });

  it("a snapshot still being created is exported once it is available", async () => {
    const { sim, h, cache } = await startCacheWorld();
    await cache.send(new CreateSnapshotCommand({ ReplicationGroupId: "legacy", SnapshotName: "fresh" }));
    const out = await h.run(elasticacheExportSnapshot, "source", { snapshot: "fresh", bucket: POLICY_BUCKET }, TASK);
    expect(out.keys).toEqual([`${cacheName(h.runContext("source", TASK), "export-0")}-0001.rdb`]);
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(1);
    expect(sim.stats().errors).toEqual({});
  });

  it("a missing snapshot is named, and nothing is asked", async () => {
    const { sim, h } = await startCacheWorld();
    await expect(
      h.run(elasticacheExportSnapshot, "source", { snapshot: "nowhere", bucket: POLICY_BUCKET }, TASK),
    ).rejects.toMatchObject({ code: "ELASTICACHE_SNAPSHOT_NOT_FOUND" });
    expect(countOf(sim, "elasticache:CopySnapshot")).toBe(0);
  });
});
