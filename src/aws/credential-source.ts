/**
 * Where an account's credentials come from, how long they can last without the operator, and how the
 * operator renews them. Read from the environment and the shared config files the way the SDK's providers
 * read them, without calling AWS (the plan stays read-only and the run's park message needs no network).
 *
 * What lasts how long (the SDK paths this follows):
 * - keys in the environment or a profile: no end, unless AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION
 *   say when (credential-provider-env fromEnv); nothing in-process can renew them;
 * - an SSO profile: role credentials are fetched again from the cached SSO token while that token lives
 *   (credential-provider-sso resolveSSOCredentials refuses an expired token); with an `sso_session` and a
 *   refresh token the token is itself renewed (token-providers fromSso), so only IAM Identity Center's
 *   session length, which is not written locally, bounds it;
 * - `roleArn` (fromTemporaryCredentials) and `role_arn` profiles: the SDK calls the provider again before
 *   the session ends (5 minutes before, @smithy/core memoizeIdentityProvider), which assumes the role
 *   again: role chaining's one-hour cap is renewed every hour, and only the source credentials' own end
 *   matters.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { AccountSpec } from "../runbook/types.js";

export interface CredentialSource {
  /** For messages: "SSO profile dev", "role arn:… assumed with the environment's keys". */
  describe: string;
  /** When they stop working and nothing but the operator can renew them (epoch ms); undefined = no known end. */
  expiresAt?: number;
  /** What the operator does to renew them. */
  renew: string;
  /** Accounts with the same key share one source (said once). */
  key: string;
}

export interface SourceLookup {
  env?: NodeJS.ProcessEnv;
  /** Home directory (default: HOME, USERPROFILE, then the OS's), for ~/.aws. */
  home?: string;
}

type Ini = Record<string, Record<string, string>>;

/** The shared config format as the SDK parses it: sections, `key = value`, indented sub-keys skipped. */
export function parseIni(text: string): Ini {
  const out: Ini = {};
  let section: string | undefined;
  let sub = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.split(/(^|\s)[;#]/)[0]!.trim();
    if (line.startsWith("[") && line.endsWith("]")) {
      section = line.slice(1, -1).trim().replace(/\s+/g, " ");
      sub = false;
      continue;
    }
    const eq = line.indexOf("=");
    if (!section || eq <= 0) continue;
    const [key, value] = [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
    if (value === "") {
      sub = true;
      continue;
    }
    if (sub && raw.trimStart() !== raw) continue;
    sub = false;
    out[section] = { ...out[section], [key]: value };
  }
  return out;
}

function readIni(path: string): Ini {
  try {
    return parseIni(readFileSync(path, "utf8"));
  } catch {
    return {};
  }
}

interface Files {
  env: NodeJS.ProcessEnv;
  home: string;
  config: Ini;
  credentials: Ini;
}

function files(lookup: SourceLookup): Files {
  const env = lookup.env ?? process.env;
  const home = lookup.home ?? env.HOME ?? env.USERPROFILE ?? homedir();
  return {
    env,
    home,
    config: readIni(env.AWS_CONFIG_FILE ?? join(home, ".aws", "config")),
    credentials: readIni(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials")),
  };
}

function profileData(f: Files, name: string): Record<string, string> {
  const config = name === "default" ? (f.config.default ?? f.config["profile default"]) : f.config[`profile ${name}`];
  return { ...config, ...f.credentials[name] };
}

/** `expiresAt` of the cached SSO token (the file the SDK reads: sha1 of the session name or start URL). */
function ssoTokenExpiry(f: Files, id: string): { expiresAt?: number; refreshable: boolean } {
  const file = join(f.home, ".aws", "sso", "cache", `${createHash("sha1").update(id).digest("hex")}.json`);
  try {
    const token = JSON.parse(readFileSync(file, "utf8")) as { expiresAt?: string; refreshToken?: string };
    // The AWS CLI v1 wrote "…T04:18:14UTC"; v2 writes ISO 8601.
    const at = token.expiresAt ? Date.parse(token.expiresAt.replace(/UTC$/, "Z")) : Number.NaN;
    return { ...(Number.isFinite(at) ? { expiresAt: at } : {}), refreshable: Boolean(token.refreshToken) };
  } catch {
    return { refreshable: false };
  }
}

function fromProfile(f: Files, name: string, depth = 0): CredentialSource {
  const data = profileData(f, name);
  const key = `profile:${name}`;
  const plain = { describe: `profile ${name}`, renew: `renew the credentials of profile ${name}`, key };
  if (data.role_arn && depth < 5) {
    // The role is assumed again whenever its session ends: only its source can run out.
    const base = data.source_profile
      ? fromProfile(f, data.source_profile, depth + 1)
      : data.credential_source === "Environment"
        ? fromEnvironment(f)
        : undefined;
    if (!base) return plain;
    return { ...base, describe: `profile ${name} (role ${data.role_arn} assumed with ${base.describe})` };
  }
  if (data.aws_access_key_id) return { ...plain, renew: `put fresh keys in profile ${name}` };
  const session = data.sso_session;
  const startUrl = session ? f.config[`sso-session ${session}`]?.sso_start_url : data.sso_start_url;
  if (session || startUrl) {
    const login = `aws sso login --profile ${name}`;
    const sso = { describe: `SSO profile ${name}`, renew: `run \`${login}\``, key: `sso:${session ?? startUrl}` };
    const token = ssoTokenExpiry(f, session ?? startUrl!);
    // A session's refresh token renews the access token: its cached expiry is not the end.
    if (token.expiresAt === undefined || (session && token.refreshable)) return sso;
    return { ...sso, expiresAt: token.expiresAt };
  }
  return plain;
}

function fromEnvironment(f: Files): CredentialSource {
  const { env } = f;
  const renew =
    "put fresh credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)";
  const source = { describe: "the environment's keys", renew, key: "env" };
  const at = env.AWS_SESSION_TOKEN && env.AWS_CREDENTIAL_EXPIRATION ? Date.parse(env.AWS_CREDENTIAL_EXPIRATION) : NaN;
  return Number.isFinite(at)
    ? { ...source, describe: "the environment's temporary credentials", expiresAt: at }
    : source;
}

/** The default chain as the SDK walks it for us: environment keys, else AWS_PROFILE (or default). */
function fromDefaultChain(f: Files): CredentialSource {
  if (f.env.AWS_ACCESS_KEY_ID && f.env.AWS_SECRET_ACCESS_KEY) return fromEnvironment(f);
  return fromProfile(f, f.env.AWS_PROFILE ?? "default");
}

export function credentialSource(account: AccountSpec, lookup: SourceLookup = {}): CredentialSource {
  const f = files(lookup);
  if (account.profile) return fromProfile(f, account.profile);
  const base = fromDefaultChain(f);
  if (!account.roleArn) return base;
  return { ...base, describe: `role ${account.roleArn} assumed with ${base.describe}` };
}
