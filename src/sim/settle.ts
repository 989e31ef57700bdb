import { settleExports } from "./dynamodb/files.js";
import { settleImports } from "./dynamodb/import-load.js";
import { settleDeletions } from "./dynamodb/updates.js";
import { settleElastiCache } from "./elasticache/files.js";
import { settleNames } from "./s3/names.js";
import { settleJobs } from "./s3control/run.js";
import type { World } from "./world.js";

/**
 * What happens by itself as virtual time passes and cannot be derived lazily where it is read: a KMS key
 * whose deletion window has ended is gone, with its aliases. Run before every call and every dump.
 */
export function settleWorld(world: World, now: number): void {
  settleNames(world, now);
  settleJobs(world, now);
  settleExports(world, now);
  settleElastiCache(world, now);
  settleImports(world, now);
  settleDeletions(world, now);
  for (const account of world.accounts.values()) {
    for (const region of account.regions.values()) {
      for (const key of region.keys.values()) {
        if (key.state !== "PendingDeletion" || key.deletionDate === undefined || key.deletionDate > now) continue;
        region.keys.delete(key.id);
        for (const alias of region.aliases.values())
          if (alias.targetKeyId === key.id) region.aliases.delete(alias.name);
      }
    }
  }
}
