import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AwsCredentialIdentity } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { credentialSource, parseIni } from "../../src/aws/credential-source.js";
import { CredentialsRefreshError, RENEW_BEFORE_MS, renewingCredentials } from "../../src/aws/credentials.js";
import { awsErrorFacts, classifyAwsError } from "../../src/aws/errors.js";
import type { AccountSpec } from "../../src/runbook/types.js";

const T0 = Date.parse("2026-11-22T03:00:00Z");
const HOUR = 3_600_000;

/** A provider handing out numbered sets that each last an hour from the (fake) now. */
function source(clock: { now: number }) {
  let n = 0;
  const calls: number[] = [];
  const provider = async (): Promise<AwsCredentialIdentity> => {
    n += 1;
    calls.push(clock.now);
    return { accessKeyId: `ASIA${n}`, secretAccessKey: "s", expiration: new Date(clock.now + HOUR) };
  };
  return { provider, calls };
}

describe("an account's renewing credential set", () => {
  it("is fetched once, then again only within the SDK's window before its end", async () => {
    const clock = { now: T0 };
    const { provider, calls } = source(clock);
    const set = renewingCredentials(provider, () => clock.now);
    expect((set.provider as unknown as { memoized?: boolean }).memoized).toBe(true);
    const [a, b] = await Promise.all([set.provider(), set.provider()]);
    expect(a.accessKeyId).toBe("ASIA1");
    expect(b.accessKeyId).toBe("ASIA1");
    clock.now = T0 + HOUR - RENEW_BEFORE_MS - 1;
    expect((await set.provider()).accessKeyId).toBe("ASIA1");
    clock.now += 2;
    expect((await set.provider()).accessKeyId).toBe("ASIA2");
    expect(calls).toHaveLength(2);
    expect(set.generation).toBe(2);
  });

  it("renews on demand once per generation: callers that saw the same set share one renewal", async () => {
    const clock = { now: T0 };
    const { provider, calls } = source(clock);
    const set = renewingCredentials(provider, () => clock.now);
    await set.provider();
    const seen = set.generation;
    await Promise.all([set.renew(seen), set.renew(seen), set.renew(seen)]);
    await set.renew(seen); // a caller that saw the old set after the renewal
    expect(calls).toHaveLength(2);
    expect((await set.provider()).accessKeyId).toBe("ASIA2");
  });

  it("turns what a provider cannot renew into CredentialsRefreshFailed, keeping its code; blips pass as they are", async () => {
    const expired = Object.assign(new Error("The SSO session associated with this profile has expired."), {
      name: "CredentialsProviderError",
    });
    const set = renewingCredentials(async () => {
      throw expired;
    });
    const err = await set.provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsRefreshError);
    expect(classifyAwsError(err)).toBe("credentials-expired");
    expect(awsErrorFacts(err)).toMatchObject({ code: "CredentialsProviderError", message: expired.message });

    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "Throttling",
      $metadata: { httpStatusCode: 400 },
    });
    const blip = renewingCredentials(async () => {
      throw throttled;
    });
    expect(await blip.provider().catch((e: unknown) => e)).toBe(throttled);
  });
});

/** A temporary HOME with ~/.aws/config, ~/.aws/credentials and SSO token cache files. */
function home(files: { config?: string; credentials?: string; tokens?: Record<string, object> }) {
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-home-"));
  mkdirSync(join(dir, ".aws", "sso", "cache"), { recursive: true });
  if (files.config) writeFileSync(join(dir, ".aws", "config"), files.config);
  if (files.credentials) writeFileSync(join(dir, ".aws", "credentials"), files.credentials);
  for (const [id, token] of Object.entries(files.tokens ?? {})) {
    const name = createHash("sha1").update(id).digest("hex");
    writeFileSync(join(dir, ".aws", "sso", "cache", `${name}.json`), JSON.stringify(token));
  }
  return dir;
}

const account = (extra: Partial<AccountSpec> = {}): AccountSpec => ({
  alias: "a",
  id: "111111111111",
  region: "ap-northeast-1",
  ...extra,
});

const START_URL = "https://example.awsapps.com/start";
const CONFIG = `
[default]
region = ap-northeast-1

[profile legacy]
sso_start_url = ${START_URL}   # the pre-2022 form: no refresh token
sso_account_id = 111111111111
sso_role_name = Admin

[profile modern]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
s3 =
  max_concurrent_requests = 20

[profile chained]
role_arn = arn:aws:iam::222222222222:role/migrator
source_profile = legacy

[sso-session corp]
sso_start_url = ${START_URL}
sso_region = ap-northeast-1
`;

describe("where an account's credentials come from and when they end", () => {
  const expiresAt = "2026-11-22T05:00:00Z";

  it("reads the shared config as the SDK does (comments, sub-sections)", () => {
    const ini = parseIni(CONFIG);
    expect(ini["profile legacy"]?.sso_start_url).toBe(START_URL);
    expect(ini["profile modern"]).toEqual({
      sso_session: "corp",
      sso_account_id: "111111111111",
      sso_role_name: "Admin",
    });
    expect(ini["sso-session corp"]?.sso_region).toBe("ap-northeast-1");
  });

  it("SSO profile: the cached token's end, and `aws sso login --profile`", () => {
    const dir = home({ config: CONFIG, tokens: { [START_URL]: { accessToken: "x", expiresAt } } });
    const src = credentialSource(account({ profile: "legacy" }), { env: {}, home: dir });
    expect(src).toEqual({
      describe: "SSO profile legacy",
      expiresAt: Date.parse(expiresAt),
      renew: "run `aws sso login --profile legacy`",
      key: `sso:${START_URL}`,
    });
    // A role profile over it ends with it.
    const chained = credentialSource(account({ profile: "chained" }), { env: {}, home: dir });
    expect(chained.expiresAt).toBe(Date.parse(expiresAt));
    expect(chained.describe).toBe(
      "profile chained (role arn:aws:iam::222222222222:role/migrator assumed with SSO profile legacy)",
    );
  });

  it("an sso_session with a refresh token renews its token: no known end; without one, the token's end", () => {
    const refreshing = home({
      config: CONFIG,
      tokens: { corp: { accessToken: "x", expiresAt, refreshToken: "r", clientId: "c", clientSecret: "s" } },
    });
    expect(credentialSource(account({ profile: "modern" }), { env: {}, home: refreshing }).expiresAt).toBeUndefined();
    const plain = home({ config: CONFIG, tokens: { corp: { accessToken: "x", expiresAt } } });
    expect(credentialSource(account({ profile: "modern" }), { env: {}, home: plain }).expiresAt).toBe(
      Date.parse(expiresAt),
    );
  });

  it("environment keys: no end, unless a session token comes with AWS_CREDENTIAL_EXPIRATION", () => {
    const dir = home({});
    const keys = { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" };
    expect(credentialSource(account(), { env: keys, home: dir }).expiresAt).toBeUndefined();
    const env = { ...keys, AWS_SESSION_TOKEN: "t", AWS_CREDENTIAL_EXPIRATION: expiresAt };
    const src = credentialSource(account({ roleArn: "arn:aws:iam::222222222222:role/migrator" }), { env, home: dir });
    expect(src.expiresAt).toBe(Date.parse(expiresAt));
    expect(src.describe).toBe(
      "role arn:aws:iam::222222222222:role/migrator assumed with the environment's temporary credentials",
    );
    expect(src.renew).toContain("AWS_SESSION_TOKEN");
    expect(src.key).toBe("env");
  });

  it("static keys in a profile, or a profile it cannot read: no known end", () => {
    const dir = home({ credentials: "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n" });
    expect(credentialSource(account({ profile: "keys" }), { env: {}, home: dir }).expiresAt).toBeUndefined();
    expect(credentialSource(account({ profile: "nowhere" }), { env: {}, home: dir })).toMatchObject({
      describe: "profile nowhere",
    });
  });
});
