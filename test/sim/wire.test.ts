import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { startTestSim } from "./helpers.js";

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.close());

const auth = (service: string, key = "AKSIM111111111111") =>
  `AWS4-HMAC-SHA256 Credential=${key}/20261123/ap-northeast-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;

function query(service: string, body: string) {
  return fetch(sim.url, {
    method: "POST",
    headers: { authorization: auth(service), "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

describe("wire format", () => {
  it("writes awsQuery errors as <ErrorResponse><Error><Type><Code><Message> with the HTTP status", async () => {
    const res = await query("rds", "Action=DescribeDBSnapshots&Version=2014-10-31&DBSnapshotIdentifier=nope");
    expect(res.status).toBe(404);
    const xml = await res.text();
    expect(xml).toMatch(
      /<ErrorResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><Error><Type>Sender<\/Type><Code>DBSnapshotNotFound<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[\w-]+<\/RequestId><\/ErrorResponse>/,
    );
  });

  it("writes awsJson1_1 errors as {__type, message}", async () => {
    const res = await fetch(sim.url, {
      method: "POST",
      headers: {
        authorization: auth("kms"),
        "x-amz-target": "TrentService.DescribeKey",
        "content-type": "application/x-amz-json-1.1",
      },
      body: JSON.stringify({ KeyId: "alias/none" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ __type: "NotFoundException", message: expect.stringContaining("alias/none") });
  });

  it("answers an unimplemented action with InvalidAction, and counts it (as mutating when its name says so)", async () => {
    sim.resetStats();
    const res = await query("rds", "Action=RestoreDBInstanceFromDBSnapshot&Version=2014-10-31");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code>");
    expect(sim.stats()).toMatchObject({ total: 1, mutating: 1, calls: { "rds:RestoreDBInstanceFromDBSnapshot": 1 } });
    const proto = await query("rds", "Action=constructor&Version=2014-10-31");
    expect(proto.status).toBe(400);
  });

  it("refuses requests without a SigV4 credential scope, and services it does not simulate", async () => {
    const none = await fetch(sim.url, { method: "POST", body: "Action=GetCallerIdentity" });
    expect(none.status).toBe(403);
    expect(await none.text()).toContain("MissingAuthenticationToken");
    const unknown = await query("dynamodb", "");
    expect(unknown.status).toBe(400);
  });
});
