/**
 * Start-up (issue 14): a command loads only what it uses. Read from the sources' static imports as the
 * compiler emits them (imports used only as types are dropped), so no timing is involved: `validate` and
 * `schema` must not reach an AWS SDK client, the credential providers, SQLite, the live view or the
 * simulator; they load on first use (`aws/sdk.ts`) or with the commands that need them.
 * bench/startup.mjs measures what this buys.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../../src/", import.meta.url));
const STATIC_IMPORT = /^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";|^import\s+"([^"]+)";/gm;

/** The static imports of one source file as emitted (memoised: the walks share most files). */
const emitted = new Map<string, string[]>();
function importsOf(file: string): string[] {
  let specs = emitted.get(file);
  if (!specs) {
    const js = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    specs = [...js.matchAll(STATIC_IMPORT)].map((m) => m[1] ?? m[2] ?? "");
    emitted.set(file, specs);
  }
  return specs;
}

/** Every package and source file reached from `entry` by static imports, each with the chain that reached it. */
function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string, chain: string[]) => {
    const here = relative(src, file);
    if (seen.has(here)) return;
    seen.set(here, chain);
    for (const spec of importsOf(file)) {
      if (spec.startsWith(".")) {
        const target = join(dirname(file), spec.replace(/\.js$/, ".ts"));
        if (existsSync(target)) visit(target, [...chain, here]);
      } else if (!spec.startsWith("node:") && !seen.has(spec)) seen.set(spec, [...chain, here]);
    }
  };
  visit(join(src, entry), []);
  return seen;
}

/**
 * What the light commands must not load at start-up. `@aws-sdk/client-s3` joins the list once
 * steps/s3/manifest/io.ts and steps/s3/list/ranges.ts name their commands through aws/sdk.ts.
 */
const HEAVY = [
  /^@aws-sdk\/client-(ec2|iam|kms|rds|s3-control|sns|sts)$/,
  /^@aws-sdk\/credential-providers$/,
  /^better-sqlite3$/,
  /^listr2$/,
  /^sim\//,
];

describe("start-up: what a command loads", () => {
  it.each(["cli/commands/validate.ts", "cli/commands/schema.ts"])(
    "%s reaches no SDK client, SQLite or simulator",
    (entry) => {
      const reached = reach(entry);
      const heavy = [...reached].filter(([name]) => HEAVY.some((re) => re.test(name)));
      expect(heavy.map(([name, chain]) => `${name} <- ${[...chain].reverse().join(" <- ")}`)).toEqual([]);
      // The walk did walk: the step registry and zod are there.
      expect(reached.has("steps/index.ts")).toBe(true);
      expect(reached.has("zod")).toBe(true);
    },
  );

  it.each(["cli/commands/plan.ts", "cli/commands/run.ts"])(
    "%s reaches no simulator (only sim and demo do)",
    (entry) => {
      const reached = [...reach(entry).keys()];
      expect(reached.filter((name) => name.startsWith("sim/"))).toEqual([]);
      expect(reached).toContain("engine/runner.ts");
    },
  );

  it("the CLI's entry loads no command until it runs one", () => {
    const reached = [...reach("cli/main.ts").keys()];
    expect(reached.filter((name) => name.startsWith("cli/commands/") || name === "zod")).toEqual([]);
  });
});
