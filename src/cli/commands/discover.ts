/**
 * `hikkoshi discover`: inventory an account (read-only, like plan) and write a runbook draft for it.
 * Every account given is proved with STS first; nothing is written to AWS, ever: the access discovery
 * reads through refuses mutating commands before they are sent.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

import { basename, dirname, extname, relative, resolve } from "node:path";

import { fileURLToPath } from "node:url";

import { createAwsAccess } from "../../aws/access.js";

import { createAwsSession } from "../../aws/session.js";
import { formatBytes } from "../../core/bytes.js";
import { HikkoshiError } from "../../core/errors.js";
import { writeDraft } from "../../discover/draft.js";
import { type FamilyTotals, familyTotals } from "../../discover/estimate.js";
import { discover, type Inventory } from "../../discover/inventory.js";
import { parseSelection } from "../../discover/select.js";
import type { AccountSpec } from "../../runbook/types.js";
import { cacheSummary } from "../../steps/elasticache/findings.js";
import { EXIT } from "../exit-codes.js";
import { formatDuration, table } from "../format.js";
import type { CliIO } from "../io.js";
import { sdkRegions } from "../regions.js";
import type { GlobalOptions } from "../state-file.js";

export interface DiscoverOptions extends GlobalOptions {
  account?: string[];
  region?: string;
  filter?: string[];
  nameLike?: string[];
  out?: string;
  json?: boolean;
  listLimit?: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/.+$/;
const ALIASES = ["source", "target"] as const;

type Credentials = Pick<AccountSpec, "profile" | "roleArn">;

/** `source`, `source=<profile>`, `source=<role ARN>`. */
export function parseAccountFlags(values: readonly string[]): Partial<Record<"source" | "target", Credentials>> {
  const out: Partial<Record<"source" | "target", Credentials>> = {};
  for (const value of values) {
    const [alias, given] = value.includes("=")
      ? [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)]
      : [value, ""];
    if (!(ALIASES as readonly string[]).includes(alias)) {
      throw new HikkoshiError("USAGE", `--account ${value}: the alias must be source or target`, {
        hint: "e.g. --account source=prod-admin (a profile), --account source=arn:aws:iam::111111111111:role/migrator, or --account source (default credentials)",
      });
    }
    if (out[alias as "source"]) {
      throw new HikkoshiError("USAGE", `--account ${alias} is given twice`, { hint: "give each alias once" });
    }
    out[alias as "source"] = given === "" ? {} : given.startsWith("arn:") ? roleOf(value, given) : { profile: given };
  }
  if (!out.source) {
    throw new HikkoshiError(
      "USAGE",
      "discover needs the account to inventory: --account source[=<profile or role ARN>]",
      {
        hint: "e.g. hikkoshi discover --account source=prod-admin --region ap-northeast-1 --out runbooks/split.yaml",
      },
    );
  }
  return out;
}

function roleOf(flag: string, arn: string): Credentials {
  if (!ROLE_ARN.test(arn)) {
    throw new HikkoshiError("USAGE", `--account ${flag}: not an IAM role ARN`, {
      hint: "a role ARN looks like arn:aws:iam::111111111111:role/name; anything else is taken as a profile name",
    });
  }
  return { roleArn: arn };
}

function regionOf(io: CliIO, given: string | undefined): string {
  const region = given ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new HikkoshiError("USAGE", "discover needs a region: --region <name> (or AWS_REGION)", {
      hint: "a runbook moves one region; run discover once per region",
    });
  }
  if (!sdkRegions().isKnown(region)) {
    throw new HikkoshiError("USAGE", `--region ${region}: not a region the AWS SDK knows`, {
      hint: "e.g. ap-northeast-1, us-east-1, eu-west-1",
    });
  }
  return region;
}

function draftName(out: string | undefined): string {
  const base = out ? basename(out, extname(out)) : "split";
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
  return slug || "split";
}

export async function discoverCommand(io: CliIO, opts: DiscoverOptions): Promise<number> {
  const flags = parseAccountFlags(opts.account ?? []);
  const region = regionOf(io, opts.region);
  const selection = parseSelection(opts.filter, opts.nameLike);
  const listLimit = opts.listLimit === undefined ? 100_000 : Number(opts.listLimit);
  if (!Number.isInteger(listLimit) || listLimit < 1) {
    throw new HikkoshiError("USAGE", `--list-limit ${opts.listLimit}: expected a whole number ≥ 1`, {
      hint: "versions listed per bucket at most (default 100000)",
    });
  }
  if (opts.out && existsSync(resolve(io.cwd, opts.out))) {
    throw new HikkoshiError("USAGE", `--out ${opts.out} exists: discover never overwrites a runbook`, {
      hint: "choose another file name, or move the old draft away first",
    });
  }
  // The ids are what STS says; the specs carry a placeholder id until then.
  const specs: Record<string, AccountSpec> = {};
  for (const alias of ALIASES) {
    const given = flags[alias];
    if (given) specs[alias] = { alias, id: "000000000000", region, ...given };
  }
  const session = createAwsSession(specs, opts.endpoint ? { endpoint: opts.endpoint } : {});
  try {
    const proved: Record<string, { accountId: string; arn: string }> = {};
    for (const alias of Object.keys(specs)) {
      try {
        proved[alias] = await session.identity(alias);
      } catch (err) {
        throw new HikkoshiError(
          "CREDENTIALS_UNAVAILABLE",
          `no working credentials for ${alias}: ${(err as Error).message}`,
          {
            hint: "check the profile or role given with --account (aws sts get-caller-identity shows what the credentials are)",
            cause: err,
          },
        );
      }
      io.err(`${alias}: account ${proved[alias]!.accountId} (${proved[alias]!.arn})`);
    }
    if (proved.target && proved.target.accountId === proved.source!.accountId) {
      throw new HikkoshiError(
        "ACCOUNT_MISMATCH",
        `source and target are the same account (${proved.source!.accountId})`,
        {
          hint: "the target is the account the data moves to: give its own profile or role",
        },
      );
    }
    const aws = createAwsAccess(session, { readOnly: true, identities: proved });
    const inv = await discover({
      aws,
      account: { alias: "source", id: proved.source!.accountId, arn: proved.source!.arn, region },
      selection,
      listLimit,
      progress: io.isTTY ? (m) => io.err(`  reading ${m}…`) : undefined,
    });
    const totals = familyTotals(inv);
    if (opts.json) io.out(JSON.stringify(inventoryJson(inv, totals), null, 2));
    else io.out(renderInventory(inv, totals).join("\n"));
    if (opts.out) {
      const path = resolve(io.cwd, opts.out);
      // Editors find the schema when the draft is written inside this checkout (`hikkoshi schema` otherwise).
      const schema = resolve(dirname(fileURLToPath(import.meta.url)), "../../../runbook.schema.json");
      const schemaPath = relative(dirname(path), schema);
      const nearby = existsSync(schema) && !relative(io.cwd, schema).startsWith("..");
      mkdirSync(dirname(path), { recursive: true });
      const target =
        flags.target && proved.target ? { ...flags.target, id: proved.target.accountId, region } : undefined;
      writeFileSync(
        path,
        writeDraft(inv, {
          name: draftName(opts.out),
          source: flags.source!,
          ...(target ? { target } : {}),
          ...(nearby ? { schemaPath } : {}),
          now: new Date(),
          command: commandLine(opts),
        }),
      );
      const where = relative(io.cwd, path) || path;
      io.err(
        `\nDraft written to ${where}. Fill in its placeholders, then: hikkoshi validate ${where} && hikkoshi plan ${where}`,
      );
    }
    return EXIT.OK;
  } finally {
    session.destroy();
  }
}

/** The command as typed, from its options (no endpoint, no state file: what the draft's reader needs). */
function commandLine(o: DiscoverOptions): string {
  const quote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);
  return [
    "hikkoshi discover",
    ...(o.account ?? []).map((a) => `--account ${quote(a)}`),
    ...(o.region ? [`--region ${quote(o.region)}`] : []),
    ...(o.filter ?? []).map((f) => `--filter ${quote(f)}`),
    ...(o.nameLike ?? []).map((n) => `--name-like ${quote(n)}`),
    ...(o.out ? [`--out ${quote(o.out)}`] : []),
  ].join(" ");
}

function inventoryJson(inv: Inventory, totals: FamilyTotals[]) {
  const { selection, ...rest } = inv;
  return {
    format: "hikkoshi-inventory/1",
    ...rest,
    selection: { tags: selection.tags, names: selection.names },
    totals,
  };
}

const mark = (included: boolean) => (included ? "move" : "LEFT OUT");
const why = (findings: Array<{ level: string; code: string }>) =>
  findings
    .filter((f) => f.level !== "note")
    .map((f) => f.code)
    .join(", ");

export function renderInventory(inv: Inventory, totals: FamilyTotals[]): string[] {
  const lines = [
    `Inventory of ${inv.account.id} in ${inv.account.region} (${inv.selection.describe()}), read-only:`,
    "",
  ];
  const rows: string[][] = [["FAMILY", "RESOURCE", "SIZE", "DETAIL", "DRAFT", "FINDINGS"]];
  for (const d of [...inv.databases, ...inv.clusters]) {
    rows.push([
      d.kind === "cluster" ? "Aurora" : "RDS",
      d.id,
      `${d.sizeGb} GB`,
      `${d.engine}${d.engineVersion ? ` ${d.engineVersion}` : ""}, ${d.encrypted ? (d.key?.manager === "AWS" ? "AWS managed key" : "customer key") : "unencrypted"}`,
      mark(d.included),
      why(d.findings),
    ]);
  }
  for (const v of inv.volumes) {
    rows.push([
      "EBS",
      v.name === v.id ? v.id : `${v.id} (${v.name})`,
      `${v.sizeGb} GB`,
      v.attachedTo.length > 0 ? `attached to ${v.attachedTo.join(", ")}` : "not attached",
      mark(v.included),
      why(v.findings),
    ]);
  }
  for (const i of inv.images) {
    rows.push([
      "AMI",
      `${i.id} (${i.name})`,
      `${i.sizeGb} GB`,
      `${i.snapshots.length} snapshot(s)`,
      mark(i.included),
      why(i.findings),
    ]);
  }
  for (const b of inv.buckets) {
    const at = b.complete ? "" : "≥";
    rows.push([
      "S3",
      b.name,
      b.region === inv.account.region ? `${at}${formatBytes(b.bytes)}` : "—",
      b.region === inv.account.region
        ? `${at}${b.versions.toLocaleString("en-US")} version${b.versions === 1 ? "" : "s"}, ${b.versioning.toLowerCase()}, ${b.encryption}`
        : `in ${b.region}`,
      mark(b.included),
      why(b.findings),
    ]);
  }
  for (const t of inv.dynamodbTables) {
    rows.push([
      "DynamoDB",
      t.name,
      formatBytes(t.sizeBytes),
      [
        `${t.itemCount.toLocaleString("en-US")} item${t.itemCount === 1 ? "" : "s"}`,
        t.pitr ? "PITR on" : "PITR off",
        t.stream ? `stream ${t.stream}` : "",
        t.gsis.length > 0 ? `${t.gsis.length} GSI${t.gsis.length === 1 ? "" : "s"}` : "",
        t.lsis.length > 0 ? `${t.lsis.length} LSI${t.lsis.length === 1 ? "" : "s"}` : "",
        t.replicas.length > 0 ? `replicas in ${t.replicas.join(", ")}` : "",
        t.encryption === "KMS" ? (t.key?.manager === "AWS" ? "AWS managed key" : "customer key") : "AWS owned key",
      ]
        .filter(Boolean)
        .join(", "),
      mark(t.included),
      why(t.findings),
    ]);
  }
  for (const c of inv.caches) {
    rows.push([
      "ElastiCache",
      c.id,
      c.sizeBytes !== undefined ? formatBytes(c.sizeBytes) : "—",
      `${cacheSummary(c).slice(c.id.length + 2, -1)}${c.atRestEncryption ? ", encrypted at rest" : ""}${c.transitEncryption ? ", in transit" : ""}`,
      mark(c.included),
      why(c.findings),
    ]);
  }
  if (rows.length === 1)
    lines.push("  nothing found that hikkoshi can move (check --filter / --name-like and --region)");
  else lines.push(table(rows));
  lines.push("", "Totals of what the draft moves (heuristics; the plan of the draft gives the real figures):");
  const t: string[][] = [["FAMILY", "MOVE / FOUND", "SIZE", "OBJECTS / ITEMS", "LONGEST ITEM", "COST"]];
  for (const f of totals) {
    t.push([
      f.family,
      `${f.included} / ${f.found}`,
      f.family === "S3" || f.family === "DynamoDB"
        ? `${f.complete === false ? "≥" : ""}${formatBytes(f.sizeGb * 1e9)}`
        : f.family === "ElastiCache"
          ? f.sizeGb > 0
            ? formatBytes(f.sizeGb * 1e9)
            : "—"
          : `${Math.round(f.sizeGb)} GB`,
      f.objects !== undefined
        ? `${f.complete ? "" : "≥"}${f.objects.toLocaleString("en-US")}`
        : f.items !== undefined
          ? `${f.items.toLocaleString("en-US")} item${f.items === 1 ? "" : "s"}`
          : f.shards !== undefined
            ? `${f.shards} shard${f.shards === 1 ? "" : "s"}`
            : "—",
      f.durationSeconds > 0 ? `~${formatDuration(f.durationSeconds * 1000)}` : "—",
      f.costUsd !== undefined ? `~$${f.costUsd.toFixed(2)}` : "—",
    ]);
  }
  lines.push(table(t));
  const keys = inv.keys.filter((k) => k.manager !== "unknown");
  if (keys.length > 0) {
    lines.push(
      "",
      `KMS keys in use: ${keys.map((k) => `${k.aliases[0] ?? k.arn ?? k.ref} (${k.manager === "AWS" ? "AWS managed: cannot be shared" : "customer managed"})`).join("; ")}`,
    );
  }
  if (inv.problems.length > 0) {
    lines.push("", "Could not read (the inventory is partial there):", ...inv.problems.map((p) => `  ${p}`));
  }
  return lines;
}
