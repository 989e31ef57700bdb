import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSimArgs, runSimulatorProcess } from "../../src/sim/index.js";
import { clients, DEMO_WORLD, PROD, TEST_WORLD } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let buildDir: string;

/** Compile src/sim (and what it imports) to a temp dir that resolves packages from the repo's node_modules. */
beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), "hikkoshi-sim-"));
  symlinkSync(join(ROOT, "node_modules"), join(buildDir, "node_modules"), "dir");
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const flags = ["--outDir", join(buildDir, "out"), "--rootDir", join(ROOT, "src"), "--module", "NodeNext"];
  await promisify(execFile)(process.execPath, [
    tsc,
    ...flags,
    ...["--moduleResolution", "NodeNext", "--target", "ES2022", "--skipLibCheck", "--strict", "--types", "node"],
    join(ROOT, "src", "sim", "main.ts"),
  ]);
}, 60_000);
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

describe("simulator process", () => {
  it("parses its arguments", () => {
    expect(parseSimArgs(["--port", "0", "--seed=w.yaml", "--speed", "600"])).toEqual({
      ok: true,
      options: { port: 0, host: "127.0.0.1", seed: "w.yaml", speed: 600 },
    });
    expect(parseSimArgs(["--nope", "1"]).ok).toBe(false);
    expect(parseSimArgs(["--port"]).ok).toBe(false);
  });

  it("prints the listening line first, then how to point the SDK at it", async () => {
    const lines: string[] = [];
    const handle = await runSimulatorProcess({ port: 0, host: "127.0.0.1", seed: DEMO_WORLD }, (l) => lines.push(l));
    try {
      expect(lines[0]).toBe(`hikkoshi-sim listening on http://127.0.0.1:${handle.port}`);
      expect(lines.join("\n")).toContain(`AWS_ENDPOINT_URL=http://127.0.0.1:${handle.port}`);
      expect(lines.join("\n")).toContain("AKSIM111111111111");
      const id = await clients(handle).sts.send(new GetCallerIdentityCommand({}));
      expect(id.Account).toBe(PROD);
    } finally {
      await handle.close();
    }
  });

  it("runs out of process (node main.js), keeps state across clients, and exits on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [join(buildDir, "out", "sim", "main.js"), "--port", "0", "--seed", TEST_WORLD, "--speed", "600"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const line = await firstLine(child);
    const match = /^hikkoshi-sim listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    expect(match).not.toBeNull();
    const url = match![1]!;
    const handle = { url } as Parameters<typeof clients>[0];
    await clients(handle).rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: "plain-db", DBSnapshotIdentifier: "survives" }),
    );
    // A second client (as after a crash of the first) sees the same world.
    const again = await clients(handle).rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "survives" }));
    expect(again.DBSnapshots?.[0]?.DBSnapshotIdentifier).toBe("survives");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
