/**
 * Bad input never gets a stack trace: a runbook that is not a regular file, too large, not UTF-8, an alias
 * bomb, an unknown region, colliding names, a state file that cannot be used (exit 8, left as it is), and a
 * `--param` holding `${{ }}` (text, never evaluated). Exit 1 stays for bugs, with the "report it" hint.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { escapedError, main } from "../../src/cli/main.js";
import { HikkoshiError } from "../../src/core/errors.js";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { type CliResult, FIXTURES, runIdOf, useSimulatorWorld, Workspace } from "./helpers.js";

let sim: SimulatorHandle;
useSimulatorWorld(join(FIXTURES, "world.yaml"), (s) => {
  sim = s;
});

const HEADER = `version: 1
name: it-bad-input
accounts:
  source: { id: "111111111111", region: ap-northeast-1 }
  target: { id: "222222222222", region: ap-northeast-1 }
`;

function noStackTrace(r: CliResult): void {
  expect(r.all).not.toContain("unexpected error");
  expect(r.all).not.toMatch(/\n\s+at /);
}

describe("runbook files", () => {
  it.each([
    { what: "a FIFO without a writer", make: (p: string) => execFileSync("mkfifo", [p]), kind: "a named pipe (FIFO)" },
    { what: "a directory", make: (p: string) => mkdirSync(p), kind: "a directory" },
    { what: "/dev/zero", make: () => {}, path: "/dev/zero", kind: "a character device" },
  ])("$what: exit 2 at once, nothing read", async ({ make, path, kind }) => {
    const ws = new Workspace(sim);
    const file = path ?? join(ws.dir, "runbook.yaml");
    make(file);
    for (const cmd of ["validate", "plan", "run"]) {
      const r = await ws.cli(cmd, file);
      expect(r.code, r.all).toBe(2);
      expect(r.err).toContain(`error RUNBOOK_NOT_A_FILE: runbook ${file} is ${kind}, not a regular file`);
      noStackTrace(r);
    }
  });

  it("a file over 5 MB: exit 2, not read", async () => {
    const ws = new Workspace(sim);
    const file = ws.write("huge.yaml", "");
    truncateSync(file, 6 * 1024 * 1024);
    const r = await ws.cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error RUNBOOK_TOO_LARGE: runbook ${file} is 6.0 MB, over the limit of 5 MB`);
  });

  it.each([
    {
      what: "invalid UTF-8 (Latin-1)",
      bytes: Buffer.concat([Buffer.from(`${HEADER}# caf`), Buffer.from([0xe9]), Buffer.from("\n")]),
      expected: ":6:6: error RB_ENCODING: invalid UTF-8: byte 0xe9",
    },
    {
      what: "UTF-16 with a byte order mark",
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEADER, "utf16le")]),
      expected: ":1:1: error RB_ENCODING: runbook is UTF-16 LE (it starts with a byte order mark)",
    },
  ])("$what: exit 2 at line:col", async ({ bytes, expected }) => {
    const ws = new Workspace(sim);
    const file = join(ws.dir, "enc.yaml");
    writeFileSync(file, bytes);
    const r = await ws.cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}${expected}`);
    expect(r.err).toContain("save it as UTF-8");
  });
});

describe("runbook content", () => {
  it("a document nested 200,000 deep: exit 2, a short message", async () => {
    const ws = new Workspace(sim);
    const file = ws.write("deep.yaml", `${HEADER}params:\n  x: ${"[".repeat(200_000)}${"]".repeat(200_000)}\n`);
    const r = await ws.cli("validate", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:7:`);
    expect(r.err).toContain("error RB_YAML_SYNTAX: the YAML nests too deeply");
    expect(r.err.length).toBeLessThan(1000); // the offending line is quoted, cut short
    noStackTrace(r);
  });

  // One account: the run's preflight checks every account it names against the credentials.
  const gate = (params: string) => `${HEADER.replace(/ {2}target: .*\n/, "")}params:
${params}
steps:
  - id: a
    type: noop
    account: source
  - id: gate
    type: manual
    account: source
    with:
      instructions: \${{ params.x }}
`;

  it("--param 'x=${{ steps.a.outputs.b }}' is text: valid, and the run shows it as written", async () => {
    const ws = new Workspace(sim);
    const file = ws.write("gate.yaml", gate("  x: hello"));
    const param = ["--param", "x=${{ steps.a.outputs.b }}"];
    expect((await ws.cli("validate", file, ...param)).code).toBe(0);
    const run = await ws.cli("run", file, ...param);
    expect(run.code, run.all).toBe(5);
    const runId = runIdOf(run.out);
    const status = JSON.parse((await ws.cli("status", runId, "--json")).out) as {
      tasks: { taskId: string; status: string }[];
    };
    expect(status.tasks.find((t) => t.taskId === "gate")?.status).toBe("awaiting_approval");
    expect(run.all).toContain("${{ steps.a.outputs.b }}");
    expect((await ws.cli("approve", runId, "gate")).code).toBe(0);
    const resumed = await ws.cli("resume", runId);
    expect(resumed.code, resumed.all).toBe(0);
  });

  it.each([
    {
      what: "an alias bomb in params",
      text: gate(`  x: hello
  b0: &a0 [x, x, x, x, x, x, x, x, x, x]
  b1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
  b2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]`),
      args: [],
      expected: "error RB_YAML_ALIAS: aliases expand this value more than 100 times",
    },
    {
      what: "an alias bomb in a --param",
      text: gate("  x: hello"),
      args: [
        "--param",
        "x=[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], [*b,*b,*b,*b,*b,*b,*b,*b,*b]]",
      ],
      expected: "error RB_BAD_PARAM_OVERRIDE: --param x: aliases expand this value more than 100 times",
    },
    {
      what: "an unknown region",
      text: gate("  x: hello").replace("region: ap-northeast-1 }", "region: ap-northeast-9 }"),
      args: [],
      expected:
        "error RB_UNKNOWN_REGION: account 'source': unknown region 'ap-northeast-9'\n    ap-northeast-9\n    hint: did you mean 'ap-northeast-1'?",
    },
    {
      what: "forEach items whose snapshot names collide",
      text: `${HEADER}params:
  instances: [Staging-Api-Db, staging-api-db]
steps:
  - id: db
    type: rds.move-snapshot
    forEach: \${{ params.instances }}
    with: { from: source, to: target, instance: "\${{ item }}", shareKey: k, targetKey: k }
`,
      args: [],
      expected:
        "error RB_NAME_COLLISION: forEach items 'Staging-Api-Db' and 'staging-api-db' of step 'db' would get the same AWS resource names",
    },
  ])("$what: validate and plan exit 2 with the problem", async ({ text, args, expected }) => {
    const ws = new Workspace(sim);
    const file = ws.write("rb.yaml", text);
    for (const cmd of ["validate", "plan"]) {
      const r = await ws.cli(cmd, file, ...args);
      expect(r.code, r.all).toBe(2);
      expect(r.err).toContain(expected);
      noStackTrace(r);
    }
  });
});

describe("state files that cannot be used", () => {
  const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

  /** A real state file (a run parked at its gate), cut to its first two pages. */
  async function truncated(ws: Workspace) {
    const r = await ws.cli("run", ws.add("gated.yaml"));
    expect(r.code, r.all).toBe(5);
    expect(statSync(ws.state).size).toBeGreaterThan(16384);
    truncateSync(ws.state, 8192);
  }

  it.each([
    {
      what: "random bytes",
      code: "STATE_FILE_CORRUPT",
      make: (ws: Workspace) => writeFileSync(ws.state, "x".repeat(5000)),
    },
    { what: "a truncated state file", code: "STATE_FILE_CORRUPT", make: truncated },
    { what: "a directory", code: "STATE_FILE_UNUSABLE", make: (ws: Workspace) => mkdirSync(ws.state) },
    {
      what: "another program's SQLite database",
      code: "STATE_FILE_FOREIGN",
      make: (ws: Workspace) => execFileSync("node", ["-e", foreignDb(ws.state)]),
    },
    {
      what: "a state file from a newer hikkoshi",
      code: "STATE_SCHEMA_TOO_NEW",
      make: async (ws: Workspace) => {
        expect((await ws.cli("runs")).code).toBe(0);
        execFileSync("node", ["-e", newerDb(ws.state)]);
      },
    },
  ])("$what: exit 8 naming the file, which is left as it is", async ({ code, make }) => {
    const ws = new Workspace(sim);
    await make(ws);
    const isFile = statSync(ws.state).isFile();
    const before = isFile ? sha(ws.state) : "";
    const runbook = ws.add("gated.yaml");
    for (const args of [["status"], ["runs"], ["log"], ["resume"], ["report"], ["run", runbook]]) {
      const r = await ws.cli(...args);
      expect(r.code, `${args[0]}: ${r.all}`).toBe(8);
      expect(r.err).toContain(`error ${code}: `);
      expect(r.err).toContain(ws.state);
      expect(r.err).toContain("hint: ");
      noStackTrace(r);
    }
    if (isFile) expect(sha(ws.state)).toBe(before);
  });
});

describe("a state path through a file", () => {
  it("is exit 8 with what is wrong, not a bug", async () => {
    const ws = new Workspace(sim);
    ws.write("afile", "");
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t), isTTY: false, canPrompt: false, cwd: ws.dir, env: {} };
    expect(await main(["node", "hikkoshi", "runs", "--state", "afile/state.db"], io)).toBe(8);
    expect(err.join("\n")).toContain(
      `error STATE_FILE_UNUSABLE: cannot open state file ${join(ws.dir, "afile/state.db")}: a part of its path is a file, not a directory`,
    );
  });

  it("a directory that cannot be made (under /proc) is exit 8 at once, not a hang", async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t), isTTY: false, canPrompt: false, cwd: "/", env: {} };
    // Node 20's recursive mkdirSync never returns for this path.
    expect(await main(["node", "hikkoshi", "runs", "--state", "/proc/no-such-dir/state.db"], io)).toBe(8);
    expect(err.join("\n")).toContain(
      "cannot open state file /proc/no-such-dir/state.db: its directory cannot be created",
    );
  }, 10_000);
});

/** Scripts for a child node: the test must not hold its own connection to the file it checks. */
function foreignDb(path: string): string {
  return `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))});
const d = new D(${JSON.stringify(path)});
d.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat')");
d.close();`;
}

function newerDb(path: string): string {
  return `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))});
const d = new D(${JSON.stringify(path)});
d.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)");
d.close();`;
}

describe("errors that are bugs", () => {
  const io = (out: (t: string) => void, env: NodeJS.ProcessEnv = {}) => {
    const err: string[] = [];
    return { err, io: { out, err: (t: string) => err.push(t), isTTY: false, canPrompt: false, cwd: "/", env } };
  };
  const boom = () => {
    throw new TypeError("boom\nsecond line");
  };

  it("print one line and the hint to report it, exit 1, no stack trace", async () => {
    const { err, io: cli } = io(boom);
    expect(await main(["node", "hikkoshi", "schema"], cli)).toBe(1);
    expect(err.join("\n")).toBe(
      "unexpected error: boom\n  hint: this is a bug in hikkoshi: report it with the command you ran, this message and `hikkoshi --version` (HIKKOSHI_DEBUG=1 adds where it happened); nothing already recorded in the state file is lost",
    );
  });

  it("HIKKOSHI_DEBUG=1 adds the stack", async () => {
    const { err, io: cli } = io(boom, { HIKKOSHI_DEBUG: "1" });
    expect(await main(["node", "hikkoshi", "schema"], cli)).toBe(1);
    expect(err.join("\n")).toMatch(/^unexpected error: boom\nTypeError: boom\nsecond line\n\s+at /);
  });

  it("an error that escapes main (bin/hikkoshi.js) is answered the same way", () => {
    expect(escapedError(new RangeError("bad"), {})).toEqual({
      text: expect.stringMatching(/^unexpected error: bad\n {2}hint: this is a bug in hikkoshi/),
      code: 1,
    });
    expect(escapedError(new HikkoshiError("LOCK_HELD", "held"), {}).code).toBe(6);
  });
});
