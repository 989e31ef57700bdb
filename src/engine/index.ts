export type { EngineEvent } from "./events.js";
export { EventBus } from "./events.js";
export type { Plan, TaskPlan } from "./planner.js";
export { PLAN_FORMAT, planDrift, planRunbook } from "./planner.js";
export type { DriveOptions, EngineDeps, RunOutcome } from "./runner.js";
export { guardAccounts, makePlan, resumeRun, startRun } from "./runner.js";
