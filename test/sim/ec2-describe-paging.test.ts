import { DescribeImagesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { startSimulator } from "../../src/sim/index.js";
import { ec2Client } from "./ec2-helpers.js";
import { errorOf, PROD, REGION } from "./helpers.js";

const VOLUMES = 600;
const SNAPSHOTS = 1001;
const IMAGES = 1001;

const hex = (prefix: string, i: number) => `${prefix}-${i.toString(16).padStart(17, "0")}`;

const seed: SeedObject = {
  accounts: {
    [PROD]: {
      regions: {
        [REGION]: {
          volumes: Array.from({ length: VOLUMES }, (_, i) => ({ id: hex("vol", i), sizeGb: 1 })),
          ebsSnapshots: Array.from({ length: SNAPSHOTS }, (_, i) => ({ volume: hex("vol", i % VOLUMES) })),
          images: Array.from({ length: IMAGES }, (_, i) => ({ name: `img-${i}`, volumes: [hex("vol", i % VOLUMES)] })),
        },
      },
    },
  },
};

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(() => sim.close());

/** Pages of one describe with MaxResults 1000: their sizes, until no NextToken. */
async function pageSizes(describe: (NextToken?: string) => Promise<{ size: number; next?: string }>) {
  const sizes: number[] = [];
  let token: string | undefined;
  do {
    const page = await describe(token);
    sizes.push(page.size);
    token = page.next;
  } while (token !== undefined && sizes.length < 10);
  return sizes;
}

describe("EC2 describes accept MaxResults up to 1000 and answer at most their documented page size", () => {
  it("DescribeVolumes: 500 per page", async () => {
    const ec2 = ec2Client(sim);
    const sizes = await pageSizes(async (NextToken) => {
      const out = await ec2.send(new DescribeVolumesCommand({ MaxResults: 1000, NextToken }));
      return { size: out.Volumes?.length ?? 0, next: out.NextToken };
    });
    expect(sizes).toEqual([500, VOLUMES - 500]);
    const small = await errorOf(ec2.send(new DescribeVolumesCommand({ MaxResults: 4 })));
    expect(small.name).toBe("InvalidParameterValue");
  });

  it("DescribeSnapshots: 1000 per page", async () => {
    const ec2 = ec2Client(sim);
    const sizes = await pageSizes(async (NextToken) => {
      const out = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 1000, NextToken }));
      return { size: out.Snapshots?.length ?? 0, next: out.NextToken };
    });
    // Each image has a snapshot of its own besides the seeded ones: 2002 in all.
    expect(sizes).toEqual([1000, 1000, SNAPSHOTS + IMAGES - 2000]);
    const small = await errorOf(ec2.send(new DescribeSnapshotsCommand({ MaxResults: 4 })));
    expect(small.name).toBe("InvalidParameterValue");
  });

  it("DescribeImages: 1000 per page", async () => {
    const ec2 = ec2Client(sim);
    const sizes = await pageSizes(async (NextToken) => {
      const out = await ec2.send(new DescribeImagesCommand({ Owners: ["self"], MaxResults: 1000, NextToken }));
      return { size: out.Images?.length ?? 0, next: out.NextToken };
    });
    expect(sizes).toEqual([1000, IMAGES - 1000]);
    const small = await errorOf(ec2.send(new DescribeImagesCommand({ MaxResults: 0 })));
    expect(small.name).toBe("InvalidParameterValue");
  });
});
