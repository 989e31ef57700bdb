export { makePlan, resumeRun, startRun, guardAccounts } from "./runner.js";
export type { EngineDeps, DriveOptions, RunOutcome } from "./runner.js";
export type { Plan, TaskPlan } from "./planner.js";
export { planDrift, planRunbook, PLAN_FORMAT } from "./planner.js";
export type { EngineEvent } from "./events.js";
export { EventBus } from "./events.js";
