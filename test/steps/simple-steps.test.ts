import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manual } from "../../src/steps/basic/manual.js";
import { noop } from "../../src/steps/basic/noop.js";
import { sleep } from "../../src/steps/basic/sleep.js";
import { createStepHarness } from "../helpers/step-context.js";
import { startWorld, type World } from "./setup.js";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

describe("manual, noop, sleep", () => {
  it("manual returns approved, or fails with APPROVAL_REJECTED", async () => {
    expect(await world.h.run(manual, "source", { instructions: "stop the writers" })).toEqual({ approved: true });
    expect(world.h.approvals).toEqual(["stop the writers"]);
    const plan = await world.h.plan(manual, "source", { instructions: "first line\nsecond" });
    expect(plan).toMatchObject({ action: "manual", summary: "manual: first line" });

    const rejecting = await createStepHarness({
      endpoint: world.sim.url,
      accounts: { source: { id: "111111111111", region: "ap-northeast-1" } },
      advance: (ms) => world.sim.advance(ms),
      now: () => world.sim.now(),
      approval: "rejected",
    });
    await expect(rejecting.run(manual, "source", { instructions: "x" })).rejects.toMatchObject({
      code: "APPROVAL_REJECTED",
    });
    rejecting.close();
  });

  it("noop does nothing", async () => {
    expect(await world.h.run(noop, "source", {})).toEqual({});
    expect((await world.h.plan(noop, "source", {})).action).toBe("noop");
  });

  it("sleep waits on the clock and a resumed sleep keeps its wake-up time", async () => {
    const start = world.h.clock.now();
    const out = await world.h.run(sleep, "source", { seconds: 90 }, "pause");
    expect(world.h.clock.now() - start).toBeGreaterThanOrEqual(90_000);
    expect(Date.parse(String(out.until))).toBe(world.h.progress.get("pause")?.until);
    const again = await world.h.run(sleep, "source", { seconds: 90 }, "pause");
    expect(again).toEqual(out);
    expect(world.h.waits.at(-1)?.polls).toBe(1);
  });
});
