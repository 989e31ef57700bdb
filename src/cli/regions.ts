/**
 * The regions an account may name, from the AWS SDK's own partition data (aws, aws-cn, aws-us-gov and the
 * isolated partitions): a region the SDK does not know is a typo, or a region newer than this hikkoshi.
 */
import { partition } from "@aws-sdk/core/client";
import type { RegionCatalog } from "../runbook/types.js";

// Region names are <area>-<direction>-<n>. Only did-you-mean needs the list; `isKnown` asks the SDK itself.
const AREAS = ["af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us", "us-gov"];
const ISOLATED = ["us-iso", "us-isob", "us-isof", "eu-isoe", "eusc-de"];
const DIRECTIONS = ["central", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"];

function isKnown(region: string): boolean {
  // The SDK merges a region's own entry (its description) into the answer only for a region it lists; the
  // "<partition>-global" entries are endpoints, not regions.
  return !region.endsWith("-global") && (partition(region) as { description?: string }).description !== undefined;
}

export function sdkRegions(): RegionCatalog {
  let names: string[] | undefined;
  return {
    isKnown,
    names: () => {
      names ??= [...AREAS, ...ISOLATED].flatMap((area) =>
        DIRECTIONS.flatMap((d) => Array.from({ length: 9 }, (_, i) => `${area}-${d}-${i + 1}`)).filter(isKnown),
      );
      return names;
    },
  };
}
