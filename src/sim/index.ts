/** The local AWS simulator: public API. Nothing else in src/sim is meant to be imported from outside. */
export type { WorldDump } from "./dump.js";
export type { FaultRuleInput } from "./faults.js";
export type { IamAllowed, IamDenial } from "./iam/model.js";
export { parseSimArgs, runSimulatorProcess, type SimProcessOptions } from "./process.js";
export type { SeedObject } from "./seed.js";
export type { PublishedMessage } from "./sns/model.js";
export { type SimulatorHandle, type SimulatorOptions, startSimulator } from "./start.js";
export type { SimStats } from "./stats.js";
