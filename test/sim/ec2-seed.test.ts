import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.js";
import { PROD, REGION, STAGING } from "./helpers.js";

const world = (region: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  accounts: { [PROD]: { regions: { [REGION]: region }, ...extra } },
});

describe("EC2 seed", () => {
  it("builds volumes, snapshots and images with deterministic ids when none are given", async () => {
    const seed = world({
      volumes: [{ sizeGb: 10 }],
      ebsSnapshots: [{ volume: "vol-0000000000000000a", sharedWith: [] }],
    });
    // The snapshot names a volume id the seed does not declare: a problem, reported with its path.
    await expect(startSimulator({ seed })).rejects.toThrow(
      `accounts.${PROD}.regions.${REGION}.ebsSnapshots.0: no volume vol-0000000000000000a in this region`,
    );
    const ok = world({
      volumes: [{ id: "vol-0000000000000000a", sizeGb: 10, kmsKey: "none" }, { sizeGb: 4 }],
      ebsSnapshots: [{ volume: "vol-0000000000000000a", sharedWith: ["all"] }],
      images: [{ name: "x", volumes: ["vol-0000000000000000a"] }],
    });
    const a = await startSimulator({ seed: ok });
    const b = await startSimulator({ seed: ok });
    try {
      const ec2 = a.dump().accounts[PROD]!.regions[REGION]!.ec2!;
      expect(ec2.volumes.map((v) => v.id)).toContain("vol-0000000000000000a");
      expect(ec2.volumes.every((v) => /^vol-[0-9a-f]{8,17}$/.test(v.id))).toBe(true);
      expect(ec2.snapshots).toHaveLength(2);
      expect(ec2.images[0]).toMatchObject({ name: "x", state: "available", launchPermissions: [] });
      expect(JSON.stringify(a.dump())).toBe(JSON.stringify(b.dump()));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses states AWS cannot reach and malformed ids", async () => {
    const shared = world({
      volumes: [{ id: "vol-0000000000000000a", sizeGb: 10 }],
      ebsSnapshots: [{ volume: "vol-0000000000000000a", sharedWith: [STAGING] }],
      images: [{ name: "x", volumes: ["vol-0000000000000000a"], sharedWith: [STAGING] }],
    });
    const err = startSimulator({ seed: shared });
    await expect(err).rejects.toThrow("ebsSnapshots.0: a snapshot on the AWS managed key cannot be shared");
    await expect(startSimulator({ seed: shared })).rejects.toThrow(
      "images.0: an image backed by a snapshot on the AWS managed key",
    );
    await expect(startSimulator({ seed: world({ volumes: [{ id: "vol-XYZ", sizeGb: 1 }] }) })).rejects.toThrow(
      "volumes.0.id",
    );
    await expect(startSimulator({ seed: world({}, { denyActions: ["CopySnapshot"] }) })).rejects.toThrow("denyActions");
  });
});
