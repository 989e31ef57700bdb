export type { EngineEvent } from "./events.js";
export { EventBus } from "./events.js";
export { planJsonSchema } from "./plan-schema.js";
export type { Plan, TaskPlan } from "./planner.js";
export { PLAN_FORMAT, planDrift, planRunbook } from "./planner.js";
export type { DriveOptions, EngineDeps, RunOutcome } from "./runner.js";
export { guardAccounts, makePlan, resumeRun, startRun } from "./runner.js";
