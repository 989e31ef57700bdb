export { parseDuration, tryParseDuration } from "../core/duration.js";
export { RUNBOOK_CODES, type RunbookCode } from "./codes.js";
export { diffRunbooks, type RunbookDiff } from "./diff.js";
export { type Expr, ExprError, parseExpression } from "./expr.js";
export { loadRunbook, parseRunbook } from "./load.js";
export { evaluateCondition, type OutputLookup, type ResolveMode, resolveTaskParams } from "./runtime.js";
export { runbookJsonSchema } from "./schema.js";
export { decodeRunbook, MAX_RUNBOOK_BYTES, readRunbookText } from "./source.js";
export type { AccountSpec, LoadOptions, RegionCatalog, Runbook, StepSummary, TaskSpec } from "./types.js";
