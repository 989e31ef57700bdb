import { z } from "zod";
import type { Json } from "../core/json.js";
import type { AnyStepDefinition, RecipeDefinition, StepDefinition } from "../steps/define.js";
import type { StepRegistry } from "../steps/registry.js";
import type { DiagnosticSink, Where } from "./diagnostics.js";
import { suggest } from "./diagnostics.js";
import { type Expr, hasTemplate } from "./expr.js";
import { type Item, resolveForEach } from "./foreach.js";
import type { RawRunbook, RawStep } from "./raw.js";
import { type Scope, substitute } from "./scope.js";
import { nodeAt, type ReadCtx } from "./yaml-read.js";

/** A top-level step after its type and forEach are known. */
export interface StepInfo {
  raw: RawStep;
  id: string;
  def: AnyStepDefinition | undefined;
  /** Undefined without forEach. */
  items: Item[] | undefined;
  /** The items' keys, for lookups by key. */
  itemKeys: Set<string> | undefined;
  /** Unknown type or unresolvable forEach: references to it are not checked further. */
  broken: boolean;
  units: Unit[];
}

/** One primitive step: a top-level primitive, or a recipe's child "<recipeId>.<localId>". */
export interface Unit {
  id: string;
  top: StepInfo;
  def: StepDefinition<any>;
  account: string | undefined;
  with: Record<string, unknown>;
  /** Sibling units (same recipe) this one needs, item for item. */
  siblings: string[];
  description?: string;
  child: boolean;
  /** Where a path of `with` (or a template text in it) is in the file. */
  locate(path: PropertyKey[], part: "key" | "value", find?: string): Where;
}

export interface Model {
  sink: DiagnosticSink;
  params: Record<string, Json>;
  raw: RawRunbook;
  steps: StepInfo[];
  stepById: Map<string, StepInfo>;
  unitById: Map<string, Unit>;
  /** Per-step memos of the expansion, so that it stays linear in the number of tasks. */
  memo: { sameItems: Map<string, boolean>; taskIds: Map<string, string[]>; parsed: Map<string, Expr> };
}

export function buildModel(ctx: ReadCtx, raw: RawRunbook, params: Record<string, Json>, registry: StepRegistry): Model {
  const m: Model = {
    sink: ctx.sink,
    params,
    raw,
    steps: [],
    stepById: new Map(),
    unitById: new Map(),
    memo: { sameItems: new Map(), taskIds: new Map(), parsed: new Map() },
  };
  const types = registry.types();
  for (const rs of raw.steps) {
    if (rs.id === undefined) continue;
    // A duplicate (already reported) is still checked, under an id nothing can reference.
    const id = m.stepById.has(rs.id) ? `${rs.id}#${rs.index + 1}` : rs.id;
    const def = rs.type === undefined ? undefined : registry.get(rs.type);
    if (rs.type !== undefined && !def) {
      const hint = suggest(rs.type, types, "known types");
      ctx.sink.report(
        "RB_UNKNOWN_STEP_TYPE",
        `unknown step type '${rs.type}'`,
        { node: rs.typeNode },
        hint === undefined ? {} : { hint },
      );
    }
    checkAccountAlias(ctx, rs, raw, def);
    const items = resolveForEach(rs, params, raw.accounts, ctx.sink);
    const info: StepInfo = {
      raw: rs,
      id,
      def,
      items: items ?? undefined,
      itemKeys: items ? new Set(items.map((i) => i.key)) : undefined,
      broken: !def || items === null,
      units: [],
    };
    m.steps.push(info);
    m.stepById.set(info.id, info);
    if (!def) continue;
    if (def.kind === "primitive") {
      info.units.push(primitiveUnit(ctx, info, def));
      if (rs.account === undefined && !def.accountParams?.single?.length) {
        ctx.sink.report(
          "RB_MISSING_ACCOUNT",
          `step '${info.id}': missing 'account'`,
          { node: rs.node },
          {
            hint: `name the account it acts in: account: ${Object.keys(raw.accounts)[0] ?? "<alias>"}`,
          },
        );
      }
    } else {
      if (rs.account !== undefined) {
        ctx.sink.report(
          "RB_ACCOUNT_IGNORED",
          `step '${info.id}': 'account' is ignored on a recipe`,
          { node: rs.accountNode },
          {
            severity: "warning",
            hint: `${def.type} takes its accounts from its params (${(def.accountParams?.single ?? []).join(", ") || "see its schema"})`,
          },
        );
      }
      info.units.push(...expandRecipe(ctx, registry, info, def, params, raw));
    }
    for (const u of info.units) m.unitById.set(u.id, u);
  }
  checkNeeds(ctx, m);
  return m;
}

function primitiveUnit(ctx: ReadCtx, info: StepInfo, def: StepDefinition<any>): Unit {
  const rs = info.raw;
  const unit: Unit = {
    id: info.id,
    top: info,
    def,
    account: rs.account,
    with: rs.with,
    siblings: [],
    child: false,
    locate: withLocator(ctx, rs),
  };
  if (rs.description !== undefined) unit.description = rs.description;
  return unit;
}

/** Locate a path of a step's own `with` (key or value), optionally narrowed to a template text in it. */
export function withLocator(ctx: ReadCtx, rs: RawStep): Unit["locate"] {
  return (path, part, find) => {
    const at = path.length === 0 ? { node: rs.withNode } : nodeAt(ctx, rs.withPresent ? rs.withNode : null, path);
    const node = (part === "key" ? (at.keyNode ?? at.node) : at.node) ?? rs.withNode;
    return find ? { node, find } : { node };
  };
}

/** The recipe's `with` with params/accounts substituted, item/steps templates kept, defaults applied. */
function recipeInput(
  ctx: ReadCtx,
  info: StepInfo,
  def: RecipeDefinition<any>,
  params: Record<string, Json>,
  raw: RawRunbook,
) {
  const rs = info.raw;
  const scope: Scope = {
    params,
    accounts: raw.accounts,
    forEach: rs.forEach !== undefined,
    itemMode: "keep",
    steps: "keep",
    report: (code, message, found, path, hint) => {
      const at = nodeAt(ctx, rs.withNode, path).node ?? rs.withNode;
      ctx.sink.report(code, message, { node: at, find: found }, hint === undefined ? {} : { hint });
    },
  };
  const input = substitute(rs.with, scope) as Record<string, unknown>;
  if (def.params instanceof z.ZodObject) {
    for (const [k, field] of Object.entries(def.params.shape as Record<string, z.ZodType>)) {
      if (input[k] !== undefined) continue;
      const d = field.safeParse(undefined);
      if (d.success && d.data !== undefined) input[k] = d.data;
    }
  }
  return input;
}

function expandRecipe(
  ctx: ReadCtx,
  registry: StepRegistry,
  info: StepInfo,
  def: RecipeDefinition<any>,
  params: Record<string, Json>,
  raw: RawRunbook,
): Unit[] {
  const rs = info.raw;
  const input = recipeInput(ctx, info, def, params, raw);
  const failed = (message: string): Unit[] => {
    info.broken = true;
    ctx.sink.report(
      "RB_RECIPE_EXPAND_FAILED",
      `step '${info.id}': recipe ${def.type} ${message}`,
      { node: rs.typeNode },
      {
        hint: "check the step's params; if they are right this is a bug in the recipe",
      },
    );
    return [];
  };
  let children: ReturnType<RecipeDefinition["expand"]>;
  try {
    children = def.expand(input, {
      selfRef: (localId, output) => `\${{ steps.${info.id}.${localId}.outputs.${output} }}`,
    });
  } catch (err) {
    return failed(`failed to expand: ${err instanceof Error ? err.message : String(err)}`);
  }
  const locals = new Set(children.map((c) => c.localId));
  const units: Unit[] = [];
  for (const c of children) {
    const childDef = registry.primitive(c.type);
    if (!childDef) return failed(`produced an unknown primitive type '${c.type}'`);
    if (!/^[a-z][a-z0-9-]*$/.test(c.localId) || units.some((u) => u.id === `${info.id}.${c.localId}`))
      return failed(`produced a bad or repeated local id '${c.localId}'`);
    const bad = (c.needs ?? []).find((n) => !locals.has(n));
    if (bad !== undefined) return failed(`child '${c.localId}' needs unknown sibling '${bad}'`);
    const unit: Unit = {
      id: `${info.id}.${c.localId}`,
      top: info,
      def: childDef,
      account: c.account,
      with: c.with,
      siblings: (c.needs ?? []).map((n) => `${info.id}.${n}`),
      child: true,
      locate: (path, part, find) => {
        const key = path[0];
        const at =
          key !== undefined && Object.hasOwn(rs.with, String(key)) ? nodeAt(ctx, rs.withNode, [key]) : undefined;
        const node = at ? (part === "key" ? at.keyNode : at.node) : rs.withNode;
        return find ? { node: rs.withNode, find } : { node: node ?? rs.withNode };
      },
    };
    const description = c.description ?? rs.description;
    if (description !== undefined) unit.description = description;
    units.push(unit);
  }
  return units;
}

/** A plain `account` is checked even when the step's type is unknown (templates are checked per task). */
function checkAccountAlias(ctx: ReadCtx, rs: RawStep, raw: RawRunbook, def: AnyStepDefinition | undefined): void {
  const alias = rs.account;
  if (alias === undefined || hasTemplate(alias) || def?.kind === "recipe" || Object.hasOwn(raw.accounts, alias)) return;
  const hint = suggest(alias, Object.keys(raw.accounts), "accounts");
  ctx.sink.report(
    "RB_UNKNOWN_ACCOUNT",
    `unknown account '${alias}'`,
    { node: rs.accountNode },
    hint === undefined ? {} : { hint },
  );
}

function checkNeeds(ctx: ReadCtx, m: Model): void {
  const ids = m.steps.map((s) => s.id);
  for (const s of m.steps) {
    for (const n of s.raw.needs) {
      if (m.stepById.has(n.id) || m.unitById.has(n.id)) continue;
      const hint = suggest(n.id, ids, "steps");
      ctx.sink.report(
        "RB_UNKNOWN_NEEDS",
        `step '${s.id}' needs unknown step '${n.id}'`,
        { node: n.node },
        hint === undefined ? {} : { hint },
      );
    }
  }
}
