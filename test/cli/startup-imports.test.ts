/**
 * Start-up (issue 14): a command loads only what it uses. Read from the sources' static imports as the
 * compiler emits them (imports used only as types are dropped), so no timing is involved: `validate` and
 * `schema` must not reach an AWS SDK client, the credential providers, SQLite, the live view or the
 * simulator; they load on first use (`aws/sdk.ts`) or with the commands that need them.
 * The CLI that runs is the bundle (scripts/bundle.mjs, dist/bundle/): the same is asked of it, from the chunks'
 * static imports and their source maps' sources, so a chunking that merged the SQLite or simulator code into
 * what `validate` loads fails here too. bench/startup.mjs measures what this buys.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

/** What the light commands must not load at start-up. */
const HEAVY = [
  /^@aws-sdk\/client-(ec2|iam|kms|rds|s3|s3-control|sns|sts)$/,
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

const bundleDir = fileURLToPath(new URL("../../dist/bundle/", import.meta.url));
const BUNDLE_IMPORT = /^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";|^import\s+"([^"]+)";|__require\("([^"]+)"\)/gm;

/** The files a chunk was made from, from its source map (rolldown's own runtime chunk has none). */
function sourcesOf(chunk: string): string[] {
  const map = join(bundleDir, `${chunk}.map`);
  return existsSync(map) ? (JSON.parse(readFileSync(map, "utf8")) as { sources: string[] }).sources : [];
}

/**
 * Every source file (as `src/…` relative, like `reach`) and package a chunk of the bundle brings when it
 * loads: its own sources (from its source map) and those of every chunk it imports statically, and the
 * packages left outside the bundle that any of them import or `require` at load.
 */
function reachBundled(chunk: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const chunks = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (chunks.has(file)) return;
    chunks.add(file);
    const sources = sourcesOf(file);
    for (const source of sources) {
      const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? source.replace(/^.*?\/src\//, "");
      if (!seen.has(name)) seen.set(name, [...chain, file]);
    }
    for (const m of readFileSync(join(bundleDir, file), "utf8").matchAll(BUNDLE_IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? "";
      if (spec.startsWith("./")) visit(spec.slice(2), [...chain, file]);
      else if (!spec.startsWith("node:") && !seen.has(spec)) seen.set(spec, [...chain, file]);
    }
  };
  visit(chunk, []);
  return seen;
}

/** The chunk whose source map lists this source file: a command's own chunk. */
function chunkOf(source: string): string {
  const found = readdirSync(bundleDir)
    .filter((f) => f.endsWith(".js"))
    .filter((f) => sourcesOf(f).some((s) => s.endsWith(`/src/${source}`)));
  expect(found, `one chunk holds src/${source}`).toHaveLength(1);
  return found[0] ?? "";
}

describe("start-up: what the built CLI (dist/bundle) loads", () => {
  it("is built", () => {
    expect(existsSync(join(bundleDir, "main.js")), "dist/bundle/main.js: run `npm run build` first").toBe(true);
  });

  it.each(["cli/commands/validate.ts", "cli/commands/schema.ts"])(
    "%s reaches no SDK client, SQLite, live view or simulator",
    (entry) => {
      const reached = reachBundled(chunkOf(entry));
      const heavy = [...reached].filter(([name]) => HEAVY.some((re) => re.test(name)));
      expect(heavy.map(([name, chain]) => `${name} <- ${[...chain].reverse().join(" <- ")}`)).toEqual([]);
      expect(reached.has("steps/index.ts")).toBe(true);
      expect(reached.has("zod")).toBe(true);
    },
  );

  it.each(["cli/commands/plan.ts", "cli/commands/run.ts"])(
    "%s reaches no simulator (only sim and demo do)",
    (entry) => {
      const reached = [...reachBundled(chunkOf(entry)).keys()];
      expect(reached.filter((name) => name.startsWith("sim/"))).toEqual([]);
      expect(reached).toContain("engine/runner.ts");
    },
  );

  it("the entry loads no command until it runs one", () => {
    const reached = [...reachBundled("main.js").keys()];
    expect(reached.filter((name) => name.startsWith("cli/commands/") || name === "zod")).toEqual([]);
    expect(reached).toContain("cli/main.ts");
  });
});
