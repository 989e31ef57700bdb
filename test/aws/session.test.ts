import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeJobCommand } from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it } from "vitest";
import { clientConfig, createAwsSession, defaultSessionName, resolveEndpoint } from "../../src/aws/session.js";
import type { AccountSpec } from "../../src/runbook/types.js";
import { type SimulatorHandle, startSimulator } from "../../src/sim/index.js";
import { accountSpecs } from "../helpers/step-context.js";
import { PROD, REGION, STAGING, TEST_WORLD } from "../steps/setup.js";

/** Sets environment variables for the duration of `fn`, then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const account = (extra: Partial<AccountSpec> = {}): AccountSpec => ({ alias: "a", id: PROD, region: REGION, ...extra });

describe("endpoint precedence", () => {
  it("account endpoint > session endpoint > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > none", () => {
    const env = { AWS_ENDPOINT_URL: "http://env-all", AWS_ENDPOINT_URL_RDS: "http://env-rds" };
    expect(resolveEndpoint(account({ endpoint: "http://acct" }), "rds", { endpoint: "http://cli" }, env)).toEqual({
      url: "http://acct",
      source: "account",
    });
    expect(resolveEndpoint(account(), "rds", { endpoint: "http://cli" }, env)).toEqual({
      url: "http://cli",
      source: "session",
    });
    expect(resolveEndpoint(account(), "rds", {}, env)).toEqual({ url: "http://env-rds", source: "environment" });
    expect(resolveEndpoint(account(), "kms", {}, env)).toEqual({ url: "http://env-all", source: "environment" });
    expect(resolveEndpoint(account(), "s3control", {}, { AWS_ENDPOINT_URL_S3_CONTROL: "http://c" })?.url).toBe(
      "http://c",
    );
    expect(resolveEndpoint(account(), "rds", {}, {})).toBeUndefined();
  });

  it("passes explicit endpoints to the client, leaves environment ones to the SDK, path-style S3", async () => {
    expect(clientConfig(account(), "rds", { endpoint: "http://cli" }).endpoint).toBe("http://cli");
    expect(clientConfig(account(), "s3", { endpoint: "http://cli" }).forcePathStyle).toBe(true);
    await withEnv({ AWS_ENDPOINT_URL_RDS: "http://env-rds" }, async () => {
      expect(clientConfig(account(), "rds", {}).endpoint).toBeUndefined();
    });
    expect(clientConfig(account(), "s3", {}).forcePathStyle).toBeUndefined();
  });

  it("S3 Control reaches a custom endpoint with the account id in a header, not the host", async () => {
    const seen: Array<{ url?: string; host?: string; account?: string }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url, host: req.headers.host, account: req.headers["x-amz-account-id"] as string });
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0"?><DescribeJobResult><Job><JobId>job-1</JobId><Status>Active</Status></Job></DescribeJobResult>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const session = createAwsSession(accountSpecs({ a: { id: PROD, region: REGION } }), { endpoint: url });
    try {
      const out = await session
        .client("a", "s3control")
        .send(new DescribeJobCommand({ AccountId: PROD, JobId: "job-1" }));
      expect(out.Job?.Status).toBe("Active");
      expect(seen).toEqual([{ url: "/v20180820/jobs/job-1", host: url.slice("http://".length), account: PROD }]);
    } finally {
      session.destroy();
      server.close();
    }
  });
});

describe("session against the simulator", () => {
  let sim: SimulatorHandle;
  afterEach(async () => {
    await sim?.close();
  });

  it("creates clients lazily, caches them per alias and service, and memoises the identity", async () => {
    sim = await startSimulator({ seed: TEST_WORLD });
    const specs = accountSpecs({ source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } });
    const session = createAwsSession(specs, { endpoint: sim.url });
    expect(session.client("source", "rds")).toBe(session.client("source", "rds"));
    expect(session.client("source", "rds")).not.toBe(session.client("target", "rds"));
    expect(sim.stats().total).toBe(0);
    const [a, b] = await Promise.all([session.identity("source"), session.identity("source")]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ accountId: PROD, arn: `arn:aws:iam::${PROD}:user/sim-user` });
    expect((await session.identity("target")).accountId).toBe(STAGING);
    expect(sim.stats().calls["sts:GetCallerIdentity"]).toBe(2);
    expect(() => session.client("nope", "rds")).toThrow(/no account "nope"/);
    session.destroy();
  });

  it("assumes a role with ExternalId through the same endpoint (master credentials from the default chain)", async () => {
    sim = await startSimulator({ seed: TEST_WORLD });
    const env = { AWS_ACCESS_KEY_ID: `AKSIM${PROD}`, AWS_SECRET_ACCESS_KEY: "x", AWS_PROFILE: undefined };
    await withEnv(env, async () => {
      const session = createAwsSession(
        {
          target: {
            alias: "target",
            id: STAGING,
            region: REGION,
            roleArn: `arn:aws:iam::${STAGING}:role/hikkoshi-migrator`,
            externalId: "split-staging",
          },
        },
        { endpoint: sim.url, runbookName: "split-staging" },
      );
      const who = await session.identity("target");
      expect(who.accountId).toBe(STAGING);
      expect(who.arn).toBe(`arn:aws:sts::${STAGING}:assumed-role/hikkoshi-migrator/hikkoshi-split-staging`);
      session.destroy();
    });
  });

  it("honours AWS_ENDPOINT_URL when nothing else names an endpoint", async () => {
    sim = await startSimulator({ seed: TEST_WORLD });
    const specs = accountSpecs({ source: { id: PROD, region: REGION } });
    await withEnv({ AWS_ENDPOINT_URL: sim.url }, async () => {
      const session = createAwsSession(specs);
      expect((await session.identity("source")).accountId).toBe(PROD);
      session.destroy();
    });
  });
});

describe("defaultSessionName", () => {
  it("uses the account's sessionName, else hikkoshi-<runbook>, sanitised and at most 64 characters", () => {
    expect(defaultSessionName(account({ sessionName: "mine" }), { runbookName: "x" })).toBe("mine");
    expect(defaultSessionName(account(), { runbookName: "split staging!" })).toBe("hikkoshi-split-staging-");
    expect(defaultSessionName(account(), { runbookName: "x".repeat(100) })).toHaveLength(64);
    expect(defaultSessionName(account(), {})).toMatch(/^hikkoshi-/);
  });
});
