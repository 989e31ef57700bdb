import type { AnyStepDefinition, RecipeDefinition, StepDefinition } from "./define.js";

/** Concurrency limits per key prefix; keys look like "<prefix>:<account>:<region>". */
export const DEFAULT_CONCURRENCY_LIMITS: Record<string, number> = {
  // RDS allows a handful of concurrent snapshot copies per destination region per account (AWS-FACTS).
  "rds-copy": 5,
  "rds-snapshot": 5,
  // EBS: in-progress snapshot copies per destination region and account (20 commonly cited, 5 when
  // cross-region; unconfirmed per AWS-FACTS): queue beyond, do not fail.
  "ec2-copy": 20,
  "ec2-copy-cross-region": 5,
};

export interface StepRegistry {
  get(type: string): AnyStepDefinition | undefined;
  primitive(type: string): StepDefinition<any> | undefined;
  recipe(type: string): RecipeDefinition<any> | undefined;
  types(): string[];
  concurrencyLimit(key: string): number | undefined;
}

export function createRegistry(
  definitions: AnyStepDefinition[],
  limits: Record<string, number> = DEFAULT_CONCURRENCY_LIMITS,
): StepRegistry {
  const byType = new Map<string, AnyStepDefinition>();
  for (const def of definitions) {
    if (byType.has(def.type)) throw new Error(`step type registered twice: ${def.type}`);
    byType.set(def.type, def);
  }
  return {
    get: (type) => byType.get(type),
    primitive: (type) => {
      const d = byType.get(type);
      return d?.kind === "primitive" ? d : undefined;
    },
    recipe: (type) => {
      const d = byType.get(type);
      return d?.kind === "recipe" ? d : undefined;
    },
    types: () => [...byType.keys()].sort(),
    concurrencyLimit: (key) => limits[key.split(":")[0] ?? ""],
  };
}
