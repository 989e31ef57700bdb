/**
 * Assume-role sessions that end: with `enforceSessionExpiry`, a request signed with a session older than
 * its DurationSeconds (virtual time) is refused as each protocol refuses it; DurationSeconds is checked
 * against the role's maximum and role chaining's one hour.
 */
import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { ListKeysCommand } from "@aws-sdk/client-kms";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import type { SeedObject, SimulatorHandle } from "../../src/sim/index.js";
import { ec2Client } from "./ec2-helpers.js";
import { type Creds, clients, errorOf, MINUTE, PROD, STAGING, startTestSim } from "./helpers.js";
import { s3Client } from "./s3-helpers.js";

const HOUR = 60 * MINUTE;

function seed(enforceSessionExpiry: boolean): SeedObject {
  return {
    speed: 0,
    enforceSessionExpiry,
    accounts: {
      [PROD]: {},
      [STAGING]: {
        roles: [
          { name: "migrator", trust: [PROD] },
          { name: "long", trust: [PROD, STAGING], maxSessionDurationSeconds: 43_200 },
        ],
      },
    },
  };
}

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function assume(
  s: SimulatorHandle,
  role: string,
  options: { as?: Creds; durationSeconds?: number } = {},
): Promise<Creds> {
  const out = await clients(s, options.as).sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${STAGING}:role/${role}`,
      RoleSessionName: "sessions-test",
      ...(options.durationSeconds ? { DurationSeconds: options.durationSeconds } : {}),
    }),
  );
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

describe("assume-role sessions that end", () => {
  it("are not enforced unless the world says so", async () => {
    sim = await startTestSim(seed(false));
    const session = await assume(sim, "migrator");
    sim.advance(5 * HOUR);
    expect((await clients(sim, session).sts.send(new GetCallerIdentityCommand({}))).Account).toBe(STAGING);
  });

  it("end DurationSeconds after AssumeRole on the virtual clock, refused as each protocol does", async () => {
    sim = await startTestSim(seed(true));
    const session = await assume(sim, "migrator");
    sim.advance(HOUR - MINUTE);
    expect((await clients(sim, session).sts.send(new GetCallerIdentityCommand({}))).Account).toBe(STAGING);
    sim.advance(MINUTE);

    const sts = await errorOf(clients(sim, session).sts.send(new GetCallerIdentityCommand({})));
    expect([sts.name, sts.$metadata?.httpStatusCode, sts.message]).toEqual([
      "ExpiredToken",
      403,
      "The security token included in the request is expired",
    ]);
    const kms = await errorOf(clients(sim, session).kms.send(new ListKeysCommand({})));
    expect([kms.name, kms.$metadata?.httpStatusCode]).toEqual(["ExpiredTokenException", 400]);
    const ec2 = await errorOf(ec2Client(sim, session).send(new DescribeVolumesCommand({})));
    expect([ec2.name, ec2.$metadata?.httpStatusCode]).toEqual(["RequestExpired", 400]);
    const s3 = await errorOf(s3Client(sim, STAGING, undefined, session).send(new ListBucketsCommand({})));
    expect([s3.name, s3.$metadata?.httpStatusCode]).toEqual(["ExpiredToken", 400]);
    expect(sim.stats().errors["sts:GetCallerIdentity:ExpiredToken"]).toBe(1);

    // Long-term keys never end; a new session starts a new hour.
    const fresh = await assume(sim, "migrator");
    expect((await clients(sim, fresh).sts.send(new GetCallerIdentityCommand({}))).Account).toBe(STAGING);
  });

  it("last as asked, up to the role's maximum; role chaining is capped at one hour", async () => {
    sim = await startTestSim(seed(true));
    const short = await assume(sim, "migrator", { durationSeconds: 900 });
    sim.advance(15 * MINUTE);
    expect((await errorOf(clients(sim, short).sts.send(new GetCallerIdentityCommand({})))).name).toBe("ExpiredToken");

    const refused = await errorOf(assume(sim, "migrator", { durationSeconds: 7200 }));
    expect([refused.name, refused.message]).toEqual([
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ]);
    const long = await assume(sim, "long", { durationSeconds: 7200 });
    sim.advance(90 * MINUTE);
    expect((await clients(sim, long).sts.send(new GetCallerIdentityCommand({}))).Account).toBe(STAGING);

    // From a role session to another role: at most an hour, even when the role allows twelve.
    const chained = await errorOf(assume(sim, "long", { as: long, durationSeconds: 7200 }));
    expect([chained.name, chained.message]).toEqual([
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    ]);
    const hop = await assume(sim, "long", { as: long });
    // The source session ends first: it can no longer assume anything; the chained one lives its hour.
    sim.advance(31 * MINUTE);
    expect((await errorOf(assume(sim, "long", { as: long }))).name).toBe("ExpiredToken");
    expect((await clients(sim, hop).sts.send(new GetCallerIdentityCommand({}))).Account).toBe(STAGING);
  });
});
