import { hashOf } from "../core/hash.js";
import type { RunbookCode } from "./codes.js";
import { foldCondition } from "./condition.js";
import { suggest } from "./diagnostics.js";
import { type Expr, ExprError, parseExpression, soleTemplate } from "./expr.js";
import type { Item } from "./foreach.js";
import { type Model, type StepInfo, type Unit, withLocator } from "./model.js";
import { checkParams } from "./params-check.js";
import { canonicalStepPath, taskIdOf } from "./refs.js";
import { type Scope, type StepRef, substitute, unescapeValue } from "./scope.js";
import type { TaskSpec } from "./types.js";
import type { ReadCtx } from "./yaml-read.js";

/** Expand every unit × item into a task with canonical references; tasks come out in file order. */
export function buildTasks(ctx: ReadCtx, m: Model): TaskSpec[] {
  const conditions = new Map(m.steps.map((s) => [s.id, parseCondition(ctx, s)]));
  const tasks: TaskSpec[] = [];
  for (const s of m.steps) {
    if (s.def?.kind === "recipe") for (const item of itemsOf(s)) checkRecipeParams(ctx, m, s, item);
    for (const unit of s.units) {
      for (const item of itemsOf(s)) {
        const task = buildTask(ctx, m, unit, item, conditions.get(s.id));
        if (task) tasks.push(task);
      }
    }
  }
  return tasks;
}

function itemsOf(s: StepInfo): (Item | undefined)[] {
  if (s.broken && s.items === undefined && s.raw.forEach) return [];
  return s.items ?? [undefined];
}

function parseCondition(ctx: ReadCtx, s: StepInfo): Expr | undefined {
  const c = s.raw.if;
  if (!c) return undefined;
  let src = c.value;
  try {
    src = soleTemplate(c.value) ?? c.value;
    return parseExpression(src);
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    ctx.sink.report(
      "RB_BAD_EXPRESSION",
      `if: ${err.message}`,
      { node: c.node, find: src.slice(err.offset) || undefined },
      {
        hint: "use references, literals, ==, !=, !, &&, || and parentheses",
      },
    );
    return undefined;
  }
}

function scopeFor(
  m: Model,
  top: StepInfo,
  locate: Unit["locate"],
  item: Item | undefined,
  onStep: Scope["steps"],
): Scope {
  return {
    params: m.params,
    accounts: m.raw.accounts,
    forEach: top.raw.forEach !== undefined,
    ...(item ? { item } : {}),
    itemMode: "resolve",
    steps: onStep,
    parsed: m.memo.parsed,
    // Reference messages carry no step label: the same template reaches several recipe children and
    // must collapse into one diagnostic at its place in the file.
    report: (code, message, raw, path, hint) =>
      m.sink.report(code, message, locate(path, "value", raw), hint === undefined ? {} : { hint }),
  };
}

function checkRecipeParams(ctx: ReadCtx, m: Model, s: StepInfo, item: Item | undefined): void {
  if (!s.def) return;
  const locate = withLocator(ctx, s.raw);
  const value = substitute(s.raw.with, scopeFor(m, s, locate, item, "keep")) as Record<string, unknown>;
  const label = `step '${s.id}'`;
  checkParams({ target: s.def, value, accounts: m.raw.accounts, sink: ctx.sink, label, where: locate });
}

function buildTask(
  ctx: ReadCtx,
  m: Model,
  unit: Unit,
  item: Item | undefined,
  cond: Expr | undefined,
): TaskSpec | undefined {
  const top = unit.top;
  const label = unit.child ? `${unit.id} (from ${top.def?.type})` : `step '${top.id}'`;
  const needs = new Set<string>();
  const scope = scopeFor(m, top, unit.locate, item, "keep");
  // A step reference is reported where it is written: in `with` or in `if`.
  const onStep = (report: Scope["report"]) => (ref: StepRef, raw: string, path: PropertyKey[]) =>
    stepRef(m, unit, item, ref, needs, (code, message, hint) => report(code, message, raw, path, hint));
  scope.steps = onStep(scope.report);
  const withResolved = substitute(unit.with, scope) as Record<string, unknown>;
  checkParams({
    target: unit.def,
    value: withResolved,
    accounts: m.raw.accounts,
    sink: ctx.sink,
    label,
    where: unit.locate,
  });
  const account = taskAccount(ctx, m, unit, item, withResolved);
  const ifReport = condReport(ctx, top);
  const folded = cond ? foldCondition(cond, { ...scope, report: ifReport, steps: onStep(ifReport) }) : true;
  for (const n of top.raw.needs) for (const id of tasksOfNamed(m, n.id)) needs.add(id);
  for (const sib of unit.siblings) needs.add(taskIdOf(sib, item?.key));
  const task: TaskSpec = {
    id: taskIdOf(unit.id, item?.key),
    stepId: unit.id,
    topStepId: top.id,
    type: unit.def.type,
    account,
    with: withResolved,
    needs: [...needs].sort(),
    defHash: "",
    location: ctx.sink.locate({ node: top.raw.node }).location,
  };
  if (item) {
    task.itemKey = item.key;
    task.item = item.value;
  }
  if (folded !== true && folded !== undefined) task.if = folded === false ? "false" : folded;
  if (top.raw.timeoutMs !== undefined) task.timeoutMs = top.raw.timeoutMs;
  if (unit.description !== undefined) task.description = unit.description;
  task.defHash = hashOf({
    type: task.type,
    account,
    with: task.with,
    if: task.if,
    timeout: task.timeoutMs,
    needs: task.needs,
  });
  return task;
}

function condReport(ctx: ReadCtx, top: StepInfo): Scope["report"] {
  return (code, message, raw, _path, hint) =>
    ctx.sink.report(code, `if: ${message}`, { node: top.raw.if?.node, find: raw }, hint === undefined ? {} : { hint });
}

/** Every task id of a step named in `needs` (all items, all children of a recipe). */
function tasksOfNamed(m: Model, id: string): string[] {
  const known = m.memo.taskIds.get(id);
  if (known) return known;
  const units = m.stepById.get(id)?.units ?? (m.unitById.has(id) ? [m.unitById.get(id)!] : []);
  const ids = units.flatMap((u) => itemsOf(u.top).map((it) => taskIdOf(u.id, it?.key)));
  m.memo.taskIds.set(id, ids);
  return ids;
}

function taskAccount(ctx: ReadCtx, m: Model, unit: Unit, item: Item | undefined, w: Record<string, unknown>): string {
  const single = unit.def.accountParams?.single?.[0];
  const written =
    unit.account ?? (single !== undefined && typeof w[single] === "string" ? (w[single] as string) : undefined);
  if (written === undefined) return "";
  const where = unit.child
    ? unit.locate([], "value", written)
    : { node: unit.top.raw.accountNode ?? unit.top.raw.node };
  const scope = scopeFor(m, unit.top, unit.locate, item, "forbid");
  scope.report = (code, message, raw, _p, hint) =>
    ctx.sink.report(code, `account: ${message}`, { ...where, find: raw }, hint === undefined ? {} : { hint });
  const alias = unescapeValue(substitute(written, scope));
  if (typeof alias !== "string") return "";
  if (unit.account !== undefined && !Object.hasOwn(m.raw.accounts, alias)) {
    const hint = suggest(alias, Object.keys(m.raw.accounts), "accounts");
    ctx.sink.report("RB_UNKNOWN_ACCOUNT", `unknown account '${alias}'`, where, hint === undefined ? {} : { hint });
  }
  return alias;
}

/** Resolve `steps.<id>[<key>]?.outputs.<name>` to its canonical path and record the task it needs. */
function stepRef(
  m: Model,
  from: Unit,
  item: Item | undefined,
  ref: StepRef,
  needs: Set<string>,
  report: (code: RunbookCode, message: string, hint?: string) => void,
): string | undefined {
  const fail = (code: RunbookCode, message: string, hint?: string) => {
    report(code, message, hint);
    return undefined;
  };
  const top = m.stepById.get(ref.stepId);
  let unit = top?.units[0];
  let output = ref.output;
  if (top?.broken || (!top && !m.unitById.has(ref.stepId) && m.stepById.get(ref.stepId.split(".")[0]!)?.broken))
    return undefined;
  if (top?.def?.kind === "recipe") {
    const target = top.def.outputs[ref.output];
    if (target === undefined)
      return fail(
        "RB_UNKNOWN_OUTPUT",
        `${top.def.type} has no output '${ref.output}'`,
        suggest(ref.output, Object.keys(top.def.outputs), "outputs"),
      );
    const dot = target.lastIndexOf(".");
    unit = m.unitById.get(`${top.id}.${target.slice(0, dot)}`);
    output = target.slice(dot + 1);
    if (!unit)
      return fail("RB_RECIPE_EXPAND_FAILED", `recipe output '${ref.output}' maps to missing child '${target}'`);
  } else if (!top) {
    unit = m.unitById.get(ref.stepId);
    if (!unit)
      return fail(
        "RB_UNKNOWN_STEP_REF",
        `unknown step '${ref.stepId}'`,
        suggest(
          ref.stepId,
          m.steps.map((s) => s.id),
          "steps",
        ),
      );
  }
  if (!unit) return undefined;
  if (!Object.hasOwn(unit.def.outputs, output))
    return fail(
      "RB_UNKNOWN_OUTPUT",
      `${unit.def.type} has no output '${output}'`,
      suggest(output, Object.keys(unit.def.outputs), "outputs"),
    );
  const items = unit.top.items;
  let key: string | undefined;
  if (ref.key !== undefined) {
    if (!items)
      return fail(
        "RB_NOT_FOREACH",
        `step '${ref.stepId}' has no forEach, so '[${ref.key}]' names nothing`,
        "remove the [key]",
      );
    if (!unit.top.itemKeys?.has(ref.key))
      return fail(
        "RB_UNKNOWN_ITEM_KEY",
        `step '${ref.stepId}' has no item '${ref.key}'`,
        suggest(
          ref.key,
          items.map((i) => i.key),
          "keys",
        ),
      );
    key = ref.key;
  } else if (items) {
    if (!from.top.items || !item || !sameItems(m, from.top, unit.top)) {
      const hint = `pick one item with steps.${ref.stepId}[<key>].outputs.${ref.output}, or wait for all of them with needs: [${ref.stepId}]`;
      return fail(
        "RB_AMBIGUOUS_ITEM_REF",
        `step '${ref.stepId}' runs once per item; this reference does not say which`,
        hint,
      );
    }
    key = item.key;
  }
  needs.add(taskIdOf(unit.id, key));
  return canonicalStepPath(unit.id, key, output);
}

/** Whether two forEach steps have the same keys in the same order (asked once per pair of steps). */
function sameItems(m: Model, a: StepInfo, b: StepInfo): boolean {
  if (a === b) return true;
  const pair = `${a.id}\n${b.id}`;
  let same = m.memo.sameItems.get(pair);
  if (same === undefined) {
    const x = a.items ?? [];
    const y = b.items ?? [];
    same = x.length === y.length && x.every((it, i) => it.key === y[i]!.key);
    m.memo.sameItems.set(pair, same);
  }
  return same;
}
