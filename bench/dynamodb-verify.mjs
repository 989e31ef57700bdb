#!/usr/bin/env node
// dynamodb.verify benchmark (issue 16): prints figures, asserts nothing. Run `npm run build` first.
// Two accounts hold the same generated table (same seed: the same items), compared by dynamodb.verify, and
// in the same run the floor it cannot beat:
//   scan-one    — one table read once over `segments` parallel Scans, items counted (what a verify reads per side)
//   verify      — dynamodb.verify: both tables scanned at once into the bucketed digest, compared
// at two sizes (BENCH_ITEMS, default "20000,200000"), to show memory stays flat as the table grows. Each runs in
// a child process so its peak RSS is its own; the simulator is another process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mb, runChild, startSim } from "./lib/processes.mjs";

const SOURCE = "111111111111";
const TARGET = "222222222222";
const REGION = "ap-northeast-1";
const TABLE = "bench-table";
const SEGMENTS = 8;

const [role, method, url, dir] = process.argv.slice(2);
if (role === "child") await child(method, url, dir);
else await parent();

async function parent() {
  const sizes = (process.env.BENCH_ITEMS ?? "20000,200000").split(",").map(Number);
  const work = mkdtempSync(join(tmpdir(), "hikkoshi-bench-ddb-"));
  const line = (label, value) => console.log(`${label.padEnd(44)} ${value}`);
  try {
    for (const items of sizes) {
      const seedFile = join(work, `seed-${items}.json`);
      writeFileSync(seedFile, JSON.stringify(seed(items)));
      const sim = await startSim(seedFile);
      try {
        console.log(`\ntable of ${items.toLocaleString("en-US")} items in each account, ${SEGMENTS} segments`);
        for (const m of ["scan-one", "verify"]) {
          const out = join(work, `${m}-${items}`);
          mkdirSync(out, { recursive: true });
          const r = await runChild(fileURLToPath(import.meta.url), m, sim.url, out);
          if (r.error) {
            line(`  ${m}`, `failed: ${r.error}`);
            continue;
          }
          line(`  ${m}: items/s (per table)`, Math.round(r.entries / r.seconds).toLocaleString("en-US"));
          line(`  ${m}: wall time`, `${r.seconds.toFixed(1)} s`);
          line(`  ${m}: peak RSS`, `${mb(r.peakRss)} MB`);
        }
      } finally {
        sim.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function seed(count) {
  const table = {
    name: TABLE,
    keySchema: { hash: { name: "pk", type: "S" }, range: { name: "sk", type: "N" } },
    generated: { count, seed: "bench", itemsPerHashKey: 4 },
  };
  return {
    speed: 0,
    accounts: {
      [SOURCE]: { regions: { [REGION]: { dynamoTables: [table] } } },
      [TARGET]: { roles: [{ name: "bench", trust: [SOURCE] }], regions: { [REGION]: { dynamoTables: [table] } } },
    },
  };
}

// ---- child side -------------------------------------------------------------------------------

async function child(m, endpoint) {
  process.env.AWS_ACCESS_KEY_ID = `AKSIM${SOURCE}`;
  process.env.AWS_SECRET_ACCESS_KEY = "bench";
  const { createAwsSession } = await import("../dist/aws/session.js");
  const { createAwsAccess } = await import("../dist/aws/access.js");
  const accounts = {
    source: { alias: "source", id: SOURCE, region: REGION },
    target: { alias: "target", id: TARGET, region: REGION, roleArn: `arn:aws:iam::${TARGET}:role/bench` },
  };
  const started = process.hrtime.bigint();
  let result;
  try {
    // The source signs with its simulator key, the target through a role it trusts (as a run does).
    const session = createAwsSession(accounts, { endpoint });
    const aws = createAwsAccess(session, {
      readOnly: false,
      identities: {
        source: { accountId: SOURCE, arn: `arn:aws:iam::${SOURCE}:user/bench` },
        target: { accountId: TARGET, arn: `arn:aws:iam::${TARGET}:user/bench` },
      },
    });
    if (m === "scan-one") {
      const { scanTable } = await import("../dist/steps/dynamodb/scan.js");
      let items = 0;
      await scanTable(aws, "source", TABLE, SEGMENTS, () => {
        items++;
      });
      result = { entries: items };
    } else {
      const { dynamodbVerify } = await import("../dist/steps/dynamodb/verify.js");
      const ctx = {
        account: { alias: "target", id: TARGET, region: REGION },
        accounts,
        aws,
        signal: new AbortController().signal,
        log: { info: () => {}, warn: () => {} },
      };
      const params = dynamodbVerify.params.parse({
        sourceAccount: "source",
        sourceTable: TABLE,
        table: TABLE,
        segments: SEGMENTS,
      });
      const out = await dynamodbVerify.run(ctx, params);
      result = { entries: out.itemCount };
    }
    session.destroy();
  } catch (err) {
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    return;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ ...result, seconds, peakRss: process.resourceUsage().maxRSS * 1024 }));
}
