/**
 * The simulator's S3-like listing latency (seeded, or set through /_sim/s3/list-latency), its keep-alive
 * (an SDK client reuses its connections between pages), and generated digests (the MD5 of the content,
 * resumed from the filler's cached state).
 */
import { createHash } from "node:crypto";
import { Agent, request } from "node:http";
import { HeadBucketCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { type SeedObject, type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import { SyntheticBody } from "../../src/sim/s3/body.js";
import { md5Prefix, md5Resume } from "../../src/sim/s3/md5-resume.js";
import { PROD, REGION } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function seed(extra: object = {}): SeedObject {
  return {
    ...extra,
    accounts: {
      [PROD]: {
        regions: {
          [REGION]: {
            buckets: [{ name: "slow", versioning: "Enabled", generated: { keys: 50, versionsPerKey: 2 } }],
          },
        },
      },
    },
  } as SeedObject;
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await f();
  return performance.now() - started;
}

describe("listing latency", () => {
  it("a seeded latency delays every object listing (and nothing else)", async () => {
    sim = await startSimulator({ seed: seed({ s3ListLatencyMs: { min: 150, max: 200 } }) });
    const s3 = s3Client(sim);
    const list = () => s3.send(new ListObjectVersionsCommand({ Bucket: "slow", MaxKeys: 10 }));
    for (let i = 0; i < 3; i++) expect(await timed(list)).toBeGreaterThanOrEqual(145);
    await s3.send(new HeadBucketCommand({ Bucket: "slow" }));
    s3.destroy();
  });

  it("POST /_sim/s3/list-latency sets it, 0 turns it off, nonsense is refused", async () => {
    sim = await startSimulator({ seed: seed() });
    const post = (body: unknown) =>
      fetch(`${sim!.url}/_sim/s3/list-latency`, { method: "POST", body: JSON.stringify(body) });
    const set = await post({ ms: 200 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ listLatencyMs: { min: 200, max: 200 } });
    const s3 = s3Client(sim);
    expect(await timed(() => s3.send(new ListObjectVersionsCommand({ Bucket: "slow" })))).toBeGreaterThanOrEqual(195);
    expect(await (await post({ ms: 0 })).json()).toMatchObject({ listLatencyMs: null });
    expect((await post({ min: 80, max: 30 })).status).toBe(400);
    expect((await post({ ms: -1 })).status).toBe(400);
    s3.destroy();
  });

  it("rejects a seed whose min exceeds its max", async () => {
    await expect(startSimulator({ seed: seed({ s3ListLatencyMs: { min: 80, max: 30 } }) })).rejects.toMatchObject({
      code: "SIM_SEED_INVALID",
    });
  });
});

describe("keep-alive", () => {
  it("announces an idle timeout the Node agent keeps sockets for: the next request reuses the connection", async () => {
    sim = await startSimulator({ seed: seed() });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ reused: boolean; keepAlive: string }>((resolve, reject) => {
        const req = request(`${sim!.url}/_sim/health`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ reused: req.reusedSocket, keepAlive: String(res.headers["keep-alive"]) }));
        });
        req.on("error", reject);
        req.end();
      });
    const first = await get();
    expect(first.keepAlive).toMatch(/timeout=(6[0-9]|[7-9][0-9]|\d{3,})/);
    await new Promise((r) => setTimeout(r, 50));
    expect((await get()).reused).toBe(true);
    agent.destroy();
  });
});

describe("generated digests", () => {
  it("resuming from a filler's saved state gives the MD5 of the whole content", () => {
    const sizes = [1, 20, 55, 56, 63, 64, 65, 119, 120, 128, 4097, 100_000, 1_100_000];
    // Filler states are one running sequence per seed: shorter fillers after longer ones read it back.
    for (const [seed, size] of [...sizes, ...[...sizes].reverse(), 777, 70_001].flatMap((n) => [
      ["seed", n] as const,
      ["other", n] as const,
    ])) {
      for (const tail of ["", "\nk v1\n", "x".repeat(70), "ユニコード".repeat(10)]) {
        const body = new SyntheticBody(seed, size, tail);
        const expected = createHash("md5").update(body.read(0, size)).digest("hex");
        expect(body.md5(), `${size} bytes, tail of ${tail.length}`).toBe(expected);
      }
    }
    const prefix = md5Prefix(130, (_, target) => target.fill(0x61));
    expect(md5Resume(prefix, "tail")).toBe(
      createHash("md5")
        .update(`${"a".repeat(130)}tail`)
        .digest("hex"),
    );
  });
});
