/**
 * The regions an account may name, from the AWS SDK's own partition data (aws, aws-cn, aws-us-gov and the
 * isolated partitions): a region the SDK does not know is a typo, or a region newer than this hikkoshi.
 */
import { createRequire } from "node:module";
import type { RegionCatalog } from "../runbook/types.js";

type Partition = typeof import("@aws-sdk/core/client").partition;

// Region names are <area>-<direction>-<n>. Only did-you-mean needs the list; `isKnown` asks the SDK itself.
const AREAS = ["af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us", "us-gov"];
const ISOLATED = ["us-iso", "us-isob", "us-isof", "eu-isoe", "eusc-de"];
const DIRECTIONS = ["central", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"];

/**
 * Long-standing commercial regions, answered without loading the SDK's partition code (about 50 ms of CPU at
 * every start-up of `validate`, `plan`, `run`); every other name asks the SDK. A test holds each to the SDK.
 */
export const ESTABLISHED_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-south-1",
]);

let sdkPartition: Partition | undefined;
function partition(region: string): ReturnType<Partition> {
  sdkPartition ??= (createRequire(import.meta.url)("@aws-sdk/core/client") as { partition: Partition }).partition;
  return sdkPartition(region);
}

function isKnown(region: string): boolean {
  if (ESTABLISHED_REGIONS.has(region)) return true;
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
