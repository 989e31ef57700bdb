/**
 * A ready task made startable: its `if` evaluated, its parameters resolved against upstream outputs and
 * checked by its step type, its concurrency keys and whether it is destructive. Pure: nothing is written.
 */
import { HikkoshiError } from "../core/errors.js";
import type { Json } from "../core/json.js";
import { evaluateCondition, resolveTaskParams } from "../runbook/index.js";
import type { TaskSpec } from "../runbook/types.js";
import type { AccountRef, StepDefinition } from "../steps/define.js";
import type { StepRegistry } from "../steps/registry.js";
import type { ErrorInfo } from "./events.js";
import { toErrorInfo } from "./task-run.js";

/** A ready task with its parameters resolved: what starting it needs. */
export interface Prepared {
  spec: TaskSpec;
  def: StepDefinition<any>;
  params: unknown;
  keys: string[];
  destructive: boolean;
}

export type Preparation =
  | { kind: "ready"; prepared: Prepared }
  | { kind: "skip"; reason: string }
  /** A task that cannot even start fails like any other: recorded, shown, resumable after a fix. */
  | { kind: "fail"; error: ErrorInfo };

export function prepareTask(
  spec: TaskSpec,
  registry: StepRegistry,
  accounts: Record<string, AccountRef>,
  outputOf: (taskId: string) => Record<string, Json> | undefined,
): Preparation {
  try {
    const def = registry.primitive(spec.type);
    if (!def) throw new HikkoshiError("UNKNOWN_STEP_TYPE", `step type ${spec.type} is not known to this hikkoshi`);
    if (spec.if !== undefined && !evaluateCondition(spec.if, outputOf, "run")) {
      return { kind: "skip", reason: `condition false: ${spec.if}` };
    }
    const parsed = def.params.safeParse(resolveTaskParams(spec, outputOf, "run"));
    if (!parsed.success) {
      throw new HikkoshiError(
        "PARAMS_INVALID",
        `parameters of ${spec.id} are invalid at run time: ${parsed.error.message}`,
        {
          hint: "an upstream output did not have the expected shape; check `hikkoshi status` for its outputs",
        },
      );
    }
    const account = accounts[spec.account];
    const keys = account && def.concurrencyKeys ? def.concurrencyKeys(parsed.data, { account }) : [];
    const destructive = typeof def.destructive === "function" ? def.destructive(parsed.data) : def.destructive === true;
    return { kind: "ready", prepared: { spec, def, params: parsed.data, keys, destructive } };
  } catch (err) {
    return { kind: "fail", error: toErrorInfo(err) };
  }
}
