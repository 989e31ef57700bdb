/**
 * `region:` is checked against the AWS SDK's own partition data (cli/regions.ts gives it to the runbook
 * layer): an unknown region is an error with did-you-mean; the simulator's regions are real ones.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ESTABLISHED_REGIONS, sdkRegions } from "../../src/cli/regions.js";
import { brief, failures, load, withSteps } from "./helpers.js";

const regions = sdkRegions();
const steps = "  - id: a\n    type: noop\n    account: source\n";

/** Every region in the partitions data the installed SDK ships (read as data: the file is not exported). */
function shippedRegions(): string[] {
  const core = dirname(createRequire(import.meta.url).resolve("@aws-sdk/core/package.json"));
  const file = join(core, "dist-es/submodules/client/util-endpoints/lib/aws/partitions.js");
  const text = readFileSync(file, "utf8")
    .replace(/^export const partitionsInfo = /, "")
    .replace(/;\s*$/, "");
  const info = JSON.parse(text) as { partitions: { id: string; regions: Record<string, unknown> }[] };
  return info.partitions.flatMap((p) => Object.keys(p.regions)).filter((r) => !r.endsWith("-global"));
}

describe("regions", () => {
  it("knows every region of the SDK's partitions (aws, aws-cn, aws-us-gov and the isolated ones)", () => {
    const shipped = shippedRegions();
    expect(shipped).toEqual(expect.arrayContaining(["ap-northeast-1", "us-east-1", "cn-north-1", "us-gov-west-1"]));
    for (const r of shipped) expect(regions.isKnown(r), r).toBe(true);
    expect([...regions.names()].sort()).toEqual([...shipped].sort());
  });

  it("answers only regions of the SDK's partitions without asking it", () => {
    expect(shippedRegions()).toEqual(expect.arrayContaining([...ESTABLISHED_REGIONS]));
  });

  it.each(["ap-northeast-9", "us-east-7", "eu-central-0", "aws-global", "us-east-1 ", "AP-NORTHEAST-1", ""])(
    "does not know %j",
    (r) => expect(regions.isKnown(r)).toBe(false),
  );

  it.each([
    { region: "ap-northeast-9", hint: "did you mean 'ap-northeast-1'?" },
    { region: "us-est-1", hint: "did you mean 'us-east-1'?" },
    { region: "tokyo", hint: expect.stringMatching(/^regions the AWS SDK knows: af-south-1, /) },
  ])("refuses $region with a hint", ({ region, hint }) => {
    const text = withSteps(steps).replace(
      'source: { id: "111111111111", region: ap-northeast-1 }',
      `source: { id: "111111111111", region: ${region} }`,
    );
    const ds = failures(text, { regions });
    expect(brief(ds)).toEqual(["RB_UNKNOWN_REGION@4:41"]);
    expect(ds[0]).toMatchObject({ message: `account 'source': unknown region '${region}'`, hint });
  });

  it("accepts the demo and test regions", () => {
    const text = withSteps(steps).replace("region: ap-northeast-1 }\n  target", "region: us-gov-west-1 }\n  target");
    expect(load(text, { regions }).accounts.source?.region).toBe("us-gov-west-1");
    expect(load(withSteps(steps), { regions }).accounts.target?.region).toBe("ap-northeast-1");
  });
});
