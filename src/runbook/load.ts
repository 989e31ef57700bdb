import { isScalar, LineCounter, parse, parseDocument, visit } from "yaml";
import { ValidationFailed } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import type { Json } from "../core/json.js";
import type { StepRegistry } from "../steps/registry.js";
import { DiagnosticSink, suggest } from "./diagnostics.js";
import { reportCycles, topoSort } from "./graph.js";
import { buildModel } from "./model.js";
import { reportNameCollisions } from "./names.js";
import type { RawRunbook } from "./raw.js";
import { readRunbook } from "./read-top.js";
import { readRunbookText } from "./source.js";
import { buildTasks } from "./tasks.js";
import type { LoadOptions, Runbook, StepSummary } from "./types.js";
import { aliasProblem, containsItself, MAX_ALIAS_EXPANSIONS, type ReadCtx, SELF_ALIAS } from "./yaml-read.js";

/** Read, validate and expand a runbook file. Throws ValidationFailed carrying every diagnostic. */
export function loadRunbook(path: string, registry: StepRegistry, options: LoadOptions = {}): Runbook {
  return parseRunbook(readRunbookText(path), path, registry, options);
}

/** Like loadRunbook, for text in memory; `path` is used in diagnostics and stored in the result. */
export function parseRunbook(text: string, path: string, registry: StepRegistry, options: LoadOptions = {}): Runbook {
  const lines = new LineCounter();
  const sink = new DiagnosticSink(path, text, lines);
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  for (const e of doc.errors) {
    const duplicate = e.code === "DUPLICATE_KEY";
    sink.report(
      duplicate ? "RB_DUPLICATE_KEY" : "RB_YAML_SYNTAX",
      firstLine(e.message),
      { offset: e.pos[0] },
      {
        text: lineAt(text, e.pos[0]),
        hint: duplicate
          ? "remove or rename one of the two keys"
          : "check indentation, quotes and brackets around this place",
      },
    );
  }
  // A syntax error leaves the tree unreliable; duplicate keys do not, so validation goes on after those.
  if (doc.errors.some((e) => e.code !== "DUPLICATE_KEY")) throw new ValidationFailed(sink.sorted());
  // A draft's placeholders are reported alone: the errors they would also cause (an account id that is
  // not 12 digits) say the same thing less clearly.
  if (reportPlaceholders(doc, sink)) throw new ValidationFailed(sink.sorted());
  const ctx: ReadCtx = { doc, sink, ...(options.regions ? { regions: options.regions } : {}) };
  const raw = readRunbook(ctx);
  const params = applyOverrides(raw, options.paramOverrides ?? {}, sink);
  const model = buildModel(ctx, raw, params, registry);
  const tasks = buildTasks(ctx, model);
  reportNameCollisions(tasks, model, sink);
  const cyclic = reportCycles(tasks, model, sink);
  if (sink.hasErrors || cyclic) throw new ValidationFailed(sink.sorted());
  const steps: StepSummary[] = model.steps.map((s) => {
    const summary: StepSummary = {
      id: s.id,
      type: s.raw.type ?? "",
      children: s.units.map((u) => u.id),
      location: sink.locate({ node: s.raw.node }).location,
    };
    if (s.raw.description !== undefined) summary.description = s.raw.description;
    return summary;
  });
  const runbook: Runbook = {
    path,
    text,
    hash: sha256(text),
    version: 1,
    name: raw.name ?? "",
    accounts: raw.accounts,
    params,
    steps,
    tasks: topoSort(tasks),
  };
  if (raw.description !== undefined) runbook.description = raw.description;
  if (raw.endpoint !== undefined) runbook.endpoint = raw.endpoint;
  if (raw.lock !== undefined) runbook.lock = raw.lock;
  const warnings = sink.sorted();
  if (warnings.length > 0) runbook.warnings = warnings;
  return runbook;
}

/** `<fill in: what>`: a value `hikkoshi discover` could not know (the target account, its buckets). */
export const PLACEHOLDER = /^<fill in: (.+)>$/s;

function reportPlaceholders(doc: ReturnType<typeof parseDocument>, sink: DiagnosticSink): boolean {
  let found = false;
  visit(doc, {
    Scalar(_key, node) {
      const m = typeof node.value === "string" ? PLACEHOLDER.exec(node.value) : null;
      if (!m || !isScalar(node)) return;
      found = true;
      sink.report(
        "RB_PLACEHOLDER",
        `not filled in yet: ${m[1]}`,
        { node },
        {
          hint: "replace the placeholder with the value (the comment above it says what it is for), then validate again",
        },
      );
    },
  });
  return found;
}

function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const end = text.indexOf("\n", offset);
  return text.slice(start, end < 0 ? undefined : end).trim();
}

function firstLine(message: string): string {
  const line = (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
  return line.startsWith("Maximum call stack") ? "the YAML nests too deeply" : line;
}

/**
 * `--param k=v` values are YAML (so `[a,b]` is a list) and, like every param, data: a `${{ … }}` in one is
 * text, never evaluated. Only declared params may be overridden.
 */
function applyOverrides(
  raw: RawRunbook,
  overrides: Record<string, string>,
  sink: DiagnosticSink,
): Record<string, Json> {
  const params = { ...raw.params };
  const where = { node: raw.paramsKeyNode ?? null };
  for (const [name, text] of Object.entries(overrides)) {
    const shown = `--param ${name}=${text}`;
    if (!Object.hasOwn(raw.params, name)) {
      const hint =
        suggest(name, Object.keys(raw.params), "declared params") ?? "declare it under params: with a default";
      sink.report("RB_UNDECLARED_PARAM", `--param ${name}: the runbook declares no param '${name}'`, where, {
        text: shown,
        hint,
      });
      continue;
    }
    let problem: string | undefined;
    try {
      const value = parse(text, { maxAliasCount: MAX_ALIAS_EXPANSIONS }) ?? null;
      if (containsItself(value)) problem = SELF_ALIAS;
      else params[name] = value as Json;
    } catch (err) {
      problem = aliasProblem(err) ?? firstLine((err as Error).message);
    }
    if (problem !== undefined) {
      sink.report("RB_BAD_PARAM_OVERRIDE", `--param ${name}: ${problem}`, where, {
        text: shown,
        hint: "use a YAML scalar or flow collection, e.g. name=x, n=3 or list=[a,b]",
      });
    }
  }
  return params;
}
