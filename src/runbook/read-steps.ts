import { isMap, isScalar, isSeq, type Node } from "yaml";
import { tryParseDuration } from "../core/duration.js";
import type { RawStep } from "./raw.js";
import { type Entry, isNullNode, kindOf, type ReadCtx, readFields, readString, toJs } from "./yaml-read.js";

const STEP = {
  required: ["id", "type"],
  optional: ["account", "with", "needs", "forEach", "if", "timeout", "description"],
};
const STEP_ID = /^[a-z][a-z0-9-]*$/;

export function readSteps(ctx: ReadCtx, e: Entry | undefined): RawStep[] {
  if (!e) return [];
  if (!isSeq(e.value)) {
    ctx.sink.report("RB_WRONG_TYPE", `steps must be a list, not ${kindOf(e.value)}`, { node: e.value ?? e.keyNode });
    return [];
  }
  if (e.value.items.length === 0) {
    ctx.sink.report("RB_NO_STEPS", "steps is empty", { node: e.value }, { hint: "add at least one step" });
  }
  const steps: RawStep[] = [];
  const seen = new Map<string, RawStep>();
  e.value.items.forEach((item, index) => {
    const step = readStep(ctx, item as Node, index);
    if (!step) return;
    if (step.id !== undefined) {
      const first = seen.get(step.id);
      if (first) {
        const line = ctx.sink.locate({ node: first.idNode }).location.line;
        ctx.sink.report(
          "RB_DUPLICATE_STEP_ID",
          `step id '${step.id}' is already used on line ${line}`,
          { node: step.idNode },
          {
            hint: "step ids must be unique; rename one of them",
          },
        );
      } else seen.set(step.id, step);
    }
    steps.push(step);
  });
  return steps;
}

function readStep(ctx: ReadCtx, node: Node, index: number): RawStep | undefined {
  const idEntry = isMap(node)
    ? (node.items.find((p) => isScalar(p.key) && p.key.value === "id")?.value as Node | undefined)
    : undefined;
  const idText = isScalar(idEntry) ? String(idEntry.value) : `#${index + 1}`;
  const what = `step '${idText}'`;
  const f = readFields(ctx, node, what, STEP, node);
  if (!f) return undefined;
  const step: RawStep = { index, node, with: {}, withNode: node, withPresent: false, needs: [] };
  const id = readString(ctx, f.get("id"), `${what}: id`);
  if (id !== undefined) {
    step.id = id;
    step.idNode = f.get("id")!.value!;
    if (!STEP_ID.test(id)) {
      ctx.sink.report(
        "RB_BAD_STEP_ID",
        `step id '${id}' is not allowed`,
        { node: step.idNode },
        {
          hint: "lowercase letters, digits and hyphens, starting with a letter (e.g. copy-db)",
        },
      );
    }
  }
  const type = readString(ctx, f.get("type"), `${what}: type`);
  if (type !== undefined) {
    step.type = type;
    step.typeNode = f.get("type")!.value!;
  }
  const account = readString(ctx, f.get("account"), `${what}: account`);
  if (account !== undefined) {
    step.account = account;
    step.accountNode = f.get("account")!.value!;
  }
  const description = readString(ctx, f.get("description"), `${what}: description`);
  if (description !== undefined) step.description = description;
  readWith(ctx, f.get("with"), step, what);
  readNeeds(ctx, f.get("needs"), step, what);
  const fe = f.get("forEach");
  // A forEach whose aliases failed (reported) expands to nothing rather than to a second error.
  if (fe?.value) step.forEach = { value: toJs(ctx, fe.value) ?? (isNullNode(fe.value) ? null : []), node: fe.value };
  readIf(ctx, f.get("if"), step, what);
  readTimeout(ctx, f.get("timeout"), step, what);
  return step;
}

function readWith(ctx: ReadCtx, e: Entry | undefined, step: RawStep, what: string): void {
  if (!e) return;
  step.withPresent = true;
  step.withNode = e.value ?? e.keyNode;
  if (isNullNode(e.value)) return;
  if (!isMap(e.value)) {
    ctx.sink.report("RB_WRONG_TYPE", `${what}: with must be a mapping, not ${kindOf(e.value)}`, { node: e.value });
    return;
  }
  step.with = (toJs(ctx, e.value) ?? {}) as Record<string, unknown>;
}

function readNeeds(ctx: ReadCtx, e: Entry | undefined, step: RawStep, what: string): void {
  if (!e || isNullNode(e.value)) return;
  const items = isSeq(e.value) ? (e.value.items as Node[]) : [e.value!];
  for (const n of items) {
    if (isScalar(n) && typeof n.value === "string") step.needs.push({ id: n.value, node: n });
    else ctx.sink.report("RB_WRONG_TYPE", `${what}: needs must list step ids, not ${kindOf(n)}`, { node: n });
  }
}

function readIf(ctx: ReadCtx, e: Entry | undefined, step: RawStep, what: string): void {
  if (!e?.value) return;
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v === "string" || typeof v === "boolean") step.if = { value: String(v), node: e.value };
  else ctx.sink.report("RB_WRONG_TYPE", `${what}: if must be an expression, not ${kindOf(e.value)}`, { node: e.value });
}

function readTimeout(ctx: ReadCtx, e: Entry | undefined, step: RawStep, what: string): void {
  if (!e) return;
  const v = isScalar(e.value) ? e.value.value : undefined;
  const ms = typeof v === "string" ? tryParseDuration(v) : undefined;
  if (ms === undefined) {
    ctx.sink.report(
      "RB_BAD_DURATION",
      `${what}: timeout '${String(v)}' is not a duration`,
      { node: e.value ?? e.keyNode },
      {
        hint:
          typeof v === "number" ? `add a unit, e.g. ${v}m` : "write a number with a unit: 30s, 90m, 72h, 2d or 1h30m",
      },
    );
  } else step.timeoutMs = ms;
}
