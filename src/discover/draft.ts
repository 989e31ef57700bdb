/**
 * The runbook draft `hikkoshi discover` writes: the shape of runbooks/demo-split.yaml (a freeze, the share
 * and target keys, one recipe step per family over a `forEach` list — DynamoDB tables through
 * dynamodb.move-table, ElastiCache caches through elasticache.move-snapshot, one step per kind of cache —,
 * cleanup of the share key and of the run's manifests, a restore check), with a comment on every finding.
 * What discovery cannot know (the target account, its buckets, the bucket a cache exports through) is a
 * `<fill in: …>` placeholder that validation reports until it is filled.
 * Resources left out are listed as comments with the reason, so the draft is also the inventory's record.
 */

import { formatBytes } from "../core/bytes.js";
import type { AccountSpec } from "../runbook/types.js";
import { cacheSummary } from "../steps/elasticache/findings.js";
import type { Bucket, Cache, Database, DynamoTable, EbsVolume, Finding, Inventory, KeyInfo } from "./inventory.js";

export interface DraftOptions {
  name: string;
  /** How the source's credentials were given (`--account source=…`). */
  source: Pick<AccountSpec, "profile" | "roleArn">;
  /** The target, when `--account target=…` was given and proved by STS. */
  target?: Pick<AccountSpec, "id" | "region" | "profile" | "roleArn">;
  /** `$schema` for editors, relative to the draft. */
  schemaPath?: string;
  now: Date;
  command: string;
}

const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;
const q = (s: string) => (PLAIN.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s));
const fill = (what: string) => JSON.stringify(`<fill in: ${what}>`);
const keyName = (k: KeyInfo | undefined) => (k ? (k.aliases[0] ?? k.arn ?? k.ref) : "no key");

/** Comment lines, wrapped at ~100 columns, each starting with `indent# `. */
function comment(indent: string, text: string): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + 2 + line.length + 1 + word.length > 110) {
      out.push(`${indent}# ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(`${indent}# ${line}`);
  return out;
}

function findingText(f: Finding): string {
  const level = f.level === "excluded" ? "LEFT OUT" : f.level === "warning" ? "WARNING" : "note";
  return `${level} (${f.code}): ${f.message}${f.hint ? `. ${f.hint}` : ""}`;
}

/** Findings the item's own line already says (its key is AWS managed: the recipe re-encrypts it). */
const SAID_ON_THE_LINE = new Set(["AWS_MANAGED_KEY", "UNENCRYPTED", "DYNAMODB_AWS_OWNED_KEY", "DYNAMODB_PITR_OFF"]);

/** One list item with what it is on its line (aligned at `width`), findings above; left-out items commented out. */
function item(id: string, what: string, findings: Finding[], included: boolean, width: number): string[] {
  const lines: string[] = [];
  for (const f of findings) if (!SAID_ON_THE_LINE.has(f.code)) lines.push(...comment("    ", findingText(f)));
  const entry = `${included ? "" : "# "}- ${q(id)}`;
  lines.push(`    ${what ? `${entry.padEnd(width + 4)} # ${what}` : entry}`);
  return lines;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

function keyText(encrypted: boolean, key: KeyInfo | undefined): string {
  if (!encrypted) return "unencrypted (the share key's copy encrypts it)";
  if (key?.manager === "AWS") return `AWS managed key ${keyName(key)} (re-encrypted under the share key first)`;
  return `key ${keyName(key)}`;
}

function dbWhat(d: Database): string {
  return [
    `${d.engine}${d.engineVersion ? ` ${d.engineVersion}` : ""}`,
    `${d.sizeGb} GB`,
    keyText(d.encrypted, d.key),
    d.status && d.status !== "available" ? `status ${d.status}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

function volumeWhat(v: EbsVolume): string {
  return [
    v.name !== v.id ? v.name : "",
    `${v.sizeGb} GB`,
    keyText(v.encrypted, v.key),
    v.attachedTo.length > 0 ? `attached to ${v.attachedTo.join(", ")}` : "not attached",
  ]
    .filter(Boolean)
    .join(", ");
}

function bucketWhat(b: Bucket): string {
  if (b.versions === 0 && b.deleteMarkers === 0 && !b.complete) return `${b.region}`;
  const at = b.complete ? "" : "at least ";
  return [
    `${at}${count(b.versions, "version")}`,
    b.deleteMarkers > 0 ? count(b.deleteMarkers, "delete marker") : "",
    `${at}${formatBytes(b.bytes)}`,
    b.versioning === "Enabled" ? "versioned" : b.versioning === "Suspended" ? "versioning suspended" : "unversioned",
    b.encryption,
    b.objectLock ? "Object Lock" : "",
  ]
    .filter(Boolean)
    .join(", ");
}

function tableWhat(t: DynamoTable): string {
  return [
    count(t.itemCount, "item"),
    formatBytes(t.sizeBytes),
    t.billingMode === "PROVISIONED" ? "provisioned" : "on demand",
    t.pitr ? "PITR on" : "PITR off (the move turns it on for the export)",
    t.stream ? `stream ${t.stream}` : "",
    t.ttlAttribute ? `TTL on ${t.ttlAttribute}` : "",
    t.gsis.length > 0 ? `GSIs ${t.gsis.join(", ")}` : "",
    t.lsis.length > 0 ? `LSIs ${t.lsis.join(", ")}` : "",
    t.replicas.length > 0 ? `replicas in ${t.replicas.join(", ")}` : "",
    t.encryption === "KMS" ? `key ${keyName(t.key)}` : "AWS owned key (so is the copy's)",
  ]
    .filter(Boolean)
    .join(", ");
}

function cacheWhat(c: Cache): string {
  const summary = cacheSummary(c);
  return [
    summary.slice(c.id.length + 2, -1),
    c.atRestEncryption ? "encrypted at rest" : "",
    c.transitEncryption ? "in transit" : "",
    c.authToken ? "AUTH" : "",
  ]
    .filter(Boolean)
    .join(", ");
}

function accountBlock(alias: string, spec: DraftOptions["source"] & { id?: string; region?: string }): string[] {
  const lines = [`  ${alias}:`];
  lines.push(`    id: ${spec.id ? JSON.stringify(spec.id) : fill(`the ${alias} account's 12-digit id`)}`);
  lines.push(`    region: ${spec.region ? q(spec.region) : fill(`the ${alias} account's region`)}`);
  if (spec.profile) lines.push(`    profile: ${q(spec.profile)}`);
  else if (spec.roleArn) lines.push(`    roleArn: ${q(spec.roleArn)}`);
  return lines;
}

/** Same for Batch Operations (auto picks them past these, per bucket): s3.copy's autoMax* defaults. */
const AUTO_MAX_VERSIONS = 10_000;
const AUTO_MAX_BYTES = 50e9;

export function writeDraft(inv: Inventory, o: DraftOptions): string {
  const dbs = inv.databases;
  const clusters = inv.clusters;
  const volumes = inv.volumes;
  const images = inv.images;
  const buckets = inv.buckets;
  const tables = inv.dynamodbTables;
  const cacheKinds = [
    { kind: "replication-group", list: "replicationGroups", id: "cache", field: "replicationGroup" },
    { kind: "cluster", list: "cacheClusters", id: "cache-cluster", field: "cacheCluster" },
    { kind: "serverless", list: "serverlessCaches", id: "serverless-cache", field: "serverlessCache" },
  ].map((k) => ({ ...k, caches: inv.caches.filter((c) => c.kind === k.kind) }));
  const movingCacheKinds = cacheKinds.filter((k) => k.caches.some((c) => c.included));
  const moving = {
    db: dbs.some((d) => d.included),
    aurora: clusters.some((d) => d.included),
    volume: volumes.some((v) => v.included),
    ami: images.some((i) => i.included),
    bucket: buckets.some((b) => b.included),
    table: tables.some((t) => t.included),
    cache: movingCacheKinds.length > 0,
  };
  const snapshots = moving.db || moving.aurora || moving.volume || moving.ami;
  const needsBatchRole = buckets.some(
    (b) => b.included && (!b.complete || b.versions + b.deleteMarkers > AUTO_MAX_VERSIONS || b.bytes > AUTO_MAX_BYTES),
  );
  const out: string[] = [];
  if (o.schemaPath) out.push(`# yaml-language-server: $schema=${o.schemaPath}`);
  out.push(
    ...comment(
      "",
      `Draft written by \`${o.command}\` at ${o.now.toISOString()} from account ${inv.account.id} (${inv.account.arn}) in ${inv.account.region}; selection: ${inv.selection.describe()}.`,
    ),
    ...comment(
      "",
      "Nothing has been planned or changed yet. Review every line, fill in each <fill in: …> placeholder (validation lists them), then: hikkoshi validate <this file> && hikkoshi plan <this file>.",
    ),
  );
  if (inv.problems.length > 0) {
    out.push("#", "# Could not read (the inventory is partial there):");
    for (const p of inv.problems) out.push(...comment("", `  ${p}`));
  }
  out.push(
    "version: 1",
    `name: ${o.name}`,
    `description: ${JSON.stringify(`Move ${[moving.db || moving.aurora ? "databases" : "", moving.volume ? "EBS volumes" : "", moving.ami ? "AMIs" : "", moving.bucket ? "S3 buckets (names kept)" : "", moving.table ? "DynamoDB tables" : "", moving.cache ? "ElastiCache data (as .rdb files)" : ""].filter(Boolean).join(", ") || "nothing yet"} from ${inv.account.id} to the target account (drafted by hikkoshi discover).`)}`,
    "",
    "accounts:",
    ...accountBlock("source", { ...o.source, id: inv.account.id, region: inv.account.region }),
    ...(o.target
      ? accountBlock("target", o.target)
      : [
          ...accountBlock("target", {}).slice(0, 2),
          `    region: ${q(inv.account.region)}   # the source's; change it if the target's data lives elsewhere`,
          ...comment(
            "    ",
            "how hikkoshi gets the target's credentials: a role it assumes (roleArn, with externalId if the trust policy asks for one) or a named profile (profile: …)",
          ),
          `    roleArn: ${fill("a role in the target account that hikkoshi assumes (or replace this line with profile: <name>)")}`,
        ]),
    "",
    "params:",
  );
  const width = (ids: string[]) => Math.max(0, ...ids.map((id) => q(id).length));
  const list = (name: string, rows: string[][], none: string) => {
    if (rows.length === 0) return;
    const all = rows.flat();
    const anyIncluded = all.some((l) => /^ {4}- /.test(l));
    out.push(`  ${name}:${anyIncluded ? "" : ` []   # ${none}`}`, ...all);
  };
  list(
    "instances",
    dbs.map((d) => item(d.id, dbWhat(d), d.findings, d.included, width(dbs.map((x) => x.id)))),
    "every instance found is left out",
  );
  list(
    "clusters",
    clusters.map((d) => item(d.id, dbWhat(d), d.findings, d.included, width(clusters.map((x) => x.id)))),
    "every cluster found is left out",
  );
  list(
    "volumes",
    volumes.map((v) => item(v.id, volumeWhat(v), v.findings, v.included, width(volumes.map((x) => x.id)))),
    "every volume found is left out",
  );
  list(
    "images",
    images.map((i) =>
      item(
        i.id,
        `${i.name}, ${i.sizeGb} GB in ${count(i.snapshots.length, "snapshot")}, ${i.keys.some((k) => k.manager === "AWS") ? `AWS managed key ${i.keys.map(keyName).join(", ")} (re-encrypted under the share key first)` : `key ${i.keys.map(keyName).join(", ") || "none"}`}`,
        i.findings,
        i.included,
        width(images.map((x) => x.id)),
      ),
    ),
    "every AMI found is left out",
  );
  list(
    "buckets",
    buckets.map((b) => item(b.name, bucketWhat(b), b.findings, b.included, width(buckets.map((x) => x.name)))),
    "every bucket found is left out",
  );
  list(
    "tables",
    tables.map((t) => item(t.name, tableWhat(t), t.findings, t.included, width(tables.map((x) => x.name)))),
    "every table found is left out",
  );
  for (const k of cacheKinds) {
    list(
      k.list,
      k.caches.map((c) => item(c.id, cacheWhat(c), c.findings, c.included, width(k.caches.map((x) => x.id)))),
      `every ${k.kind === "cluster" ? "standalone cluster" : k.kind === "serverless" ? "serverless cache" : "replication group"} found is left out`,
    );
  }
  if (moving.cache) {
    const candidates = inv.cacheExportBuckets;
    out.push(
      ...comment(
        "  ",
        `a bucket of the source account in ${inv.account.region} that ElastiCache may write the snapshots' .rdb files into (its policy allows ${inv.account.region}.elasticache-snapshot.amazonaws.com; the plan gives the statement when it does not). ${candidates.length > 0 ? `Buckets of this account that already allow it: ${candidates.join(", ")}` : "No bucket of this account allows it yet"}`,
      ),
      `  cacheExportBucket: ${fill(`a bucket of the source account in ${inv.account.region} that ElastiCache may export into`)}`,
      ...comment(
        "  ",
        "an existing bucket of the target account the .rdb files are copied into (its new cache's snapshot_arns)",
      ),
      `  cacheTargetBucket: ${fill("a bucket of the target account for the caches' .rdb files")}`,
    );
  }
  if (moving.bucket || moving.cache) {
    out.push(
      ...comment("  ", "an existing bucket of the target account for manifests, completion reports and verify reports"),
      `  manifestBucket: ${fill("a bucket of the target account for manifests and reports")}`,
    );
  }
  if (moving.bucket) {
    if (needsBatchRole) {
      out.push(
        ...comment(
          "  ",
          `some buckets are large (over ${AUTO_MAX_VERSIONS.toLocaleString("en-US")} versions or ${formatBytes(AUTO_MAX_BYTES)}, or not listed to the end): they copy through S3 Batch Operations, which needs a role in the target that batchoperations.s3.amazonaws.com may assume`,
        ),
        `  batchRoleArn: ${fill("the S3 Batch Operations role in the target account")}`,
      );
    }
  }
  out.push("", "steps:");
  const step = (lines: string[]) => out.push(...lines, "");
  step([
    "  - id: freeze",
    "    type: manual",
    "    account: source",
    "    with:",
    "      instructions: |",
    "        Stop every writer to what moves (services, jobs, replication into these buckets).",
    "        Approve once nothing writes to what is listed below.",
  ]);
  const keyAlias = `hikkoshi/${o.name}`;
  if (snapshots) {
    step([
      "  - id: share-key",
      "    type: kms.create-key",
      "    account: source",
      "    description: customer managed key the target may use (AWS managed keys cannot be shared)",
      "    with:",
      `      alias: ${keyAlias}`,
      "      allowAccounts: [target]",
    ]);
  }
  if (moving.db || moving.aurora) {
    step([
      "  - id: target-key",
      "    type: kms.create-key",
      "    account: target",
      "    description: the target's own key for its database snapshots",
      "    with:",
      `      alias: ${o.name}/rds`,
    ]);
  }
  if (moving.volume || moving.ami) {
    step([
      "  - id: ebs-key",
      "    type: kms.create-key",
      "    account: target",
      "    description: the target's own key for its EBS snapshots and AMIs",
      "    with:",
      `      alias: ${o.name}/ebs`,
    ]);
  }
  const snapshotMove = (id: string, type: string, list: string, field: string, key: string) => [
    `  - id: ${id}`,
    `    type: ${type}`,
    `    forEach: \${{ params.${list} }}`,
    "    needs: [freeze]",
    "    with:",
    "      from: source",
    "      to: target",
    `      ${field}: \${{ item }}`,
    "      shareKey: ${{ steps.share-key.outputs.keyArn }}",
    `      targetKey: \${{ steps.${key}.outputs.keyArn }}`,
    "      cleanup: true                 # delete this run's intermediates in source once the target copy exists",
  ];
  if (moving.db) step(snapshotMove("db", "rds.move-snapshot", "instances", "instance", "target-key"));
  if (moving.aurora) step(snapshotMove("aurora", "rds.move-cluster-snapshot", "clusters", "cluster", "target-key"));
  if (moving.volume) step(snapshotMove("volume", "ec2.move-snapshot", "volumes", "volumeId", "ebs-key"));
  if (moving.ami) step(snapshotMove("ami", "ec2.move-image", "images", "image", "ebs-key"));
  if (moving.bucket) {
    step([
      "  - id: bucket",
      "    type: s3.move-bucket",
      "    forEach: ${{ params.buckets }}",
      "    needs: [freeze]",
      "    description: temp copy → verify → delete → wait for the name → re-create → copy back → verify",
      "    with:",
      "      from: source",
      "      to: target",
      "      bucket: ${{ item }}",
      "      keepName: true",
      "      manifestBucket: ${{ params.manifestBucket }}",
      ...(needsBatchRole ? ["      batchRoleArn: ${{ params.batchRoleArn }}"] : []),
      "      nameWaitTimeout: 72h",
    ]);
  }
  if (moving.table) {
    const pitrOff = tables.filter((t) => t.included && !t.pitr).map((t) => t.name);
    step([
      "  - id: table",
      "    type: dynamodb.move-table",
      "    forEach: ${{ params.tables }}",
      "    needs: [freeze]",
      "    description: export (point in time) into the target's bucket → import with keys, indexes and settings → verify every item",
      "    with:",
      "      from: source",
      "      to: target",
      "      table: ${{ item }}",
      ...comment(
        "      ",
        "an existing bucket of the target account the exports are written to: its policy must let the source account write (s3:PutObject, s3:AbortMultipartUpload); the export files stay in it",
      ),
      `      bucket: ${fill("a bucket of the target account for the tables' exports")}`,
      ...(pitrOff.length > 0
        ? [
            ...comment(
              "      ",
              `point-in-time recovery is off for ${pitrOff.join(", ")}: an export needs it. enablePitr: true turns it on before the export (journaled; billed while it stays on) and the copy gets the source's own setting; or turn it on yourself and remove this line`,
            ),
            "      enablePitr: true",
          ]
        : []),
      ...comment(
        "      ",
        "deleteSource: true deletes each source table once its verify passed (confirmed before it acts, irreversible); the draft keeps them",
      ),
      "      deleteSource: false",
    ]);
  }
  for (const k of movingCacheKinds) {
    step([
      `  - id: ${k.id}`,
      "    type: elasticache.move-snapshot",
      `    forEach: \${{ params.${k.list} }}`,
      "    needs: [freeze]",
      "    description: snapshot → .rdb files (one per shard) in the export bucket → copied into the target's bucket, to seed its new cache (snapshot_arns)",
      "    with:",
      "      from: source",
      "      to: target",
      `      ${k.field}: \${{ item }}`,
      "      exportBucket: ${{ params.cacheExportBucket }}",
      "      targetBucket: ${{ params.cacheTargetBucket }}",
      "      manifestBucket: ${{ params.manifestBucket }}",
      "      cleanup: true                 # this run's snapshot and exported files in source, once the copies are verified",
    ]);
  }
  const snapshotSteps = (["db", "aurora", "volume", "ami"] as const).filter((s) => moving[s]);
  if (snapshots) {
    step([
      "  - id: retire-share-key",
      "    type: cleanup",
      "    account: source",
      `    needs: [${snapshotSteps.join(", ")}]`,
      "    description: the share key is no longer needed once every copy is the target's own",
      "    with:",
      '      kmsKeys: ["${{ steps.share-key.outputs.keyArn }}"]',
      "      keyDeletionWindowDays: 30",
    ]);
  }
  const manifestSteps = [...(moving.bucket ? ["bucket"] : []), ...movingCacheKinds.map((k) => k.id)];
  if (manifestSteps.length > 0) {
    step([
      "  - id: tidy-manifests",
      "    type: cleanup",
      "    account: target",
      `    needs: [${manifestSteps.join(", ")}]`,
      "    description: this run's manifests and reports, once every copy is verified",
      "    with:",
      '      runObjects: ["${{ params.manifestBucket }}"]',
    ]);
  }
  const everything = [
    ...snapshotSteps,
    ...(moving.bucket ? ["bucket"] : []),
    ...(moving.table ? ["table"] : []),
    ...movingCacheKinds.map((k) => k.id),
  ];
  step([
    "  - id: restore-check",
    "    type: manual",
    "    account: target",
    `    needs: [${everything.length > 0 ? everything.join(", ") : "freeze"}]`,
    "    with:",
    "      instructions: |",
    "        Restore the databases from the copied snapshots and launch from the copied AMIs and volumes",
    "        with Terraform in the target account, point the environment at them and run the smoke tests.",
    ...(moving.cache
      ? ["        Create each new cache seeded from its .rdb files in the target's bucket (snapshot_arns)."]
      : []),
    "        Approve when it works.",
  ]);
  while (out[out.length - 1] === "") out.pop();
  return `${out.join("\n")}\n`;
}
