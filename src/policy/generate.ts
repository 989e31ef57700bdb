/**
 * `hikkoshi policy`: the least-privilege IAM policy each account's caller needs for a runbook (what plan
 * reads and run does), the key policy of every key the runbook creates for another account, and the
 * S3 Batch Operations role (trust and permissions) — as JSON documents and as Terraform
 * `aws_iam_policy_document` data sources. Computed from the validated runbook alone: no AWS call, so it
 * can be written before anyone holds the permissions it grants.
 */
import type { Runbook } from "../runbook/types.js";
import { initialPolicy } from "../steps/kms/keys.js";
import { arns, type Need, views } from "./context.js";
import { PERMISSIONS } from "./steps.js";

export interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

export interface GeneratedPolicies {
  runbook: string;
  /** Identity policy per account alias (attach it to the role or user hikkoshi acts as there). */
  accounts: Record<string, { accountId: string; policy: PolicyDocument; assumeRole?: PolicyDocument }>;
  /** Key policies of the keys the runbook creates for other accounts, by the creating task's id. */
  keyPolicies: Record<string, { account: string; policy: unknown }>;
  /** The Batch Operations role the copies pass, when the runbook names one. */
  batchRole?: { roleArn: string; trust: PolicyDocument; permissions: PolicyDocument };
}

/** Merges the needs of one account: same resources → one statement; then same actions → one statement. */
function merge(needs: Need[]): Statement[] {
  const conditioned = needs.filter((n) => n.condition !== undefined);
  const byResources = new Map<string, { resources: string[]; actions: Set<string> }>();
  for (const n of needs) {
    if (n.condition !== undefined) continue;
    const resources = [...new Set(n.resources)].sort();
    const key = resources.join("\n");
    const entry = byResources.get(key) ?? { resources, actions: new Set<string>() };
    for (const a of n.actions) entry.actions.add(a);
    byResources.set(key, entry);
  }
  // An action allowed on "*" needs no narrower statement.
  const everywhere = byResources.get("*")?.actions ?? new Set<string>();
  const byActions = new Map<string, { actions: string[]; resources: Set<string> }>();
  for (const [key, { resources, actions }] of byResources) {
    const left = [...actions].filter((a) => key === "*" || !everywhere.has(a)).sort();
    if (left.length === 0) continue;
    const akey = left.join("\n");
    const entry = byActions.get(akey) ?? { actions: left, resources: new Set<string>() };
    for (const r of resources) entry.resources.add(r);
    byActions.set(akey, entry);
  }
  const statements = [...byActions.values()]
    .map((s) => ({ actions: s.actions, resources: [...s.resources].sort() }))
    .sort((a, b) => (a.actions[0]! < b.actions[0]! ? -1 : a.actions[0]! > b.actions[0]! ? 1 : 0));
  const sids = new Map<string, number>();
  // Conditioned needs: one statement per distinct (actions, resources, condition).
  const withCondition = new Map<string, Statement>();
  for (const n of conditioned) {
    const s = {
      Sid: "",
      Effect: "Allow" as const,
      Action: [...new Set(n.actions)].sort(),
      Resource: [...new Set(n.resources)].sort(),
      Condition: n.condition!,
    };
    withCondition.set(JSON.stringify([s.Action, s.Resource, s.Condition]), s);
  }
  const conditionedStatements = [...withCondition.values()].map((s, i) => ({
    ...s,
    Sid: `HikkoshiConditional${i + 1}`,
  }));
  return [
    ...statements.map((s) => {
      if (s.resources.length === 1 && s.resources[0] === "*") {
        // Reads of whole services and the two creates IAM cannot narrow (kms:CreateKey, s3:CreateJob).
        return { Sid: "HikkoshiAnyResource", Effect: "Allow" as const, Action: s.actions, Resource: s.resources };
      }
      const service = s.actions[0]!.split(":")[0]!;
      const n = (sids.get(service) ?? 0) + 1;
      sids.set(service, n);
      return {
        Sid: `Hikkoshi${service.charAt(0).toUpperCase()}${service.slice(1)}${n}`,
        Effect: "Allow" as const,
        Action: s.actions,
        Resource: s.resources,
      };
    }),
    ...conditionedStatements,
  ];
}

/** `extra`: needs that come from outside the runbook (the run's `--notify` topics). */
export function generatePolicies(runbook: Runbook, extra: readonly Need[] = []): GeneratedPolicies {
  const perAccount = new Map<string, Need[]>();
  for (const n of extra) perAccount.set(n.account, [...(perAccount.get(n.account) ?? []), n]);
  const keyPolicies: GeneratedPolicies["keyPolicies"] = {};
  let batchRole: GeneratedPolicies["batchRole"];
  const batchSources = new Set<string>();
  const batchDestinations = new Set<string>();
  const batchRunObjects = new Set<string>();
  for (const v of views(runbook)) {
    const permissions = PERMISSIONS[v.task.type];
    if (!permissions) throw new Error(`no permissions known for step type ${v.task.type}`);
    for (const n of permissions(v)) {
      const list = perAccount.get(n.account) ?? [];
      list.push(n);
      perAccount.set(n.account, list);
    }
    if (v.task.type === "kms.create-key") {
      const allow = v.param("allowAccounts");
      const ids = (Array.isArray(allow) ? allow : [])
        .map((a) => (typeof a === "string" ? (runbook.accounts[a]?.id ?? a) : ""))
        .filter((id) => /^\d{12}$/.test(id));
      if (ids.length > 0) {
        const spec = v.spec();
        keyPolicies[v.task.id] = {
          account: v.alias,
          policy: initialPolicy({ alias: v.alias, id: spec.id, region: spec.region }, ids),
        };
      }
    }
    const role = v.known("roleArn");
    if ((v.task.type === "s3.copy" || v.task.type === "s3.batch-copy") && role && v.param("mode") !== "direct") {
      const owner = v.spec(v.aliasParam("sourceAccount"));
      batchSources.add(arns(owner).objects(v.bucket(v.param("sourceBucket"))));
      batchDestinations.add(arns(v.spec()).objects(v.bucket(v.param("destinationBucket"))));
      const report = v.known("reportBucket");
      if (report) batchRunObjects.add(arns(v.spec()).objects(report, "hikkoshi/"));
      const manifest = v.ref(v.param("manifest"))?.task.with.manifestBucket;
      if (typeof manifest === "string" && !manifest.includes("${{")) {
        batchRunObjects.add(arns(v.spec()).objects(manifest, "hikkoshi/"));
      }
      batchRole = { roleArn: role, trust: batchTrust(), permissions: { Version: "2012-10-17", Statement: [] } };
    }
  }
  if (batchRole) {
    batchRole.permissions.Statement = [
      {
        Sid: "ReadSourceVersions",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
        Resource: [...batchSources].sort(),
      },
      {
        Sid: "WriteCopies",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:PutObjectTagging"],
        Resource: [...batchDestinations].sort(),
      },
      {
        Sid: "ManifestsAndReports",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
        Resource: [...batchRunObjects].sort(),
      },
    ];
  }
  const accounts: GeneratedPolicies["accounts"] = {};
  for (const [alias, spec] of Object.entries(runbook.accounts)) {
    const needs = perAccount.get(alias) ?? [];
    accounts[alias] = {
      accountId: spec.id,
      policy: { Version: "2012-10-17", Statement: merge(needs) },
      ...(spec.roleArn
        ? {
            assumeRole: {
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "HikkoshiAssumeRole",
                  Effect: "Allow",
                  Action: ["sts:AssumeRole"],
                  Resource: [spec.roleArn],
                },
              ],
            },
          }
        : {}),
    };
  }
  return { runbook: runbook.name, accounts, keyPolicies, ...(batchRole ? { batchRole } : {}) };
}

function batchTrust(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "BatchOperationsAssumesThisRole",
        Effect: "Allow",
        Principal: { Service: "batchoperations.s3.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Resource: [],
      },
    ],
  };
}

/** Trust policies carry no Resource; identity policies always do. */
function cleanDocument(doc: PolicyDocument): unknown {
  return {
    Version: doc.Version,
    Statement: doc.Statement.map(({ Resource, ...rest }) => (Resource.length === 0 ? rest : { ...rest, Resource })),
  };
}

export function policyJson(doc: PolicyDocument): string {
  return `${JSON.stringify(cleanDocument(doc), null, 2)}\n`;
}

const hclName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([0-9])/, "_$1");
const hclList = (items: string[], indent: string) =>
  items.length <= 1
    ? `[${items.map((i) => JSON.stringify(i)).join(", ")}]`
    : `[\n${items.map((i) => `${indent}  ${JSON.stringify(i)},`).join("\n")}\n${indent}]`;

function hclDocument(name: string, doc: PolicyDocument, comment: string): string {
  const lines = [`# ${comment}`, `data "aws_iam_policy_document" "${hclName(name)}" {`];
  for (const s of doc.Statement) {
    lines.push("  statement {", `    sid       = ${JSON.stringify(s.Sid)}`, `    effect    = "Allow"`);
    lines.push(`    actions   = ${hclList(s.Action, "    ")}`);
    if (s.Resource.length > 0) lines.push(`    resources = ${hclList(s.Resource, "    ")}`);
    for (const [test, keys] of Object.entries(s.Condition ?? {})) {
      for (const [variable, values] of Object.entries(keys)) {
        lines.push(
          "    condition {",
          `      test     = ${JSON.stringify(test)}`,
          `      variable = ${JSON.stringify(variable)}`,
        );
        lines.push(`      values   = ${hclList(Array.isArray(values) ? values : [values], "      ")}`, "    }");
      }
    }
    for (const [type, ids] of Object.entries(s.Principal ?? {})) {
      lines.push("    principals {", `      type        = ${JSON.stringify(type)}`);
      lines.push(`      identifiers = ${hclList(Array.isArray(ids) ? ids : [ids], "      ")}`, "    }");
    }
    lines.push("  }");
  }
  lines.push("}");
  return lines.join("\n");
}

/** Every document as Terraform data sources, one file. */
export function terraform(g: GeneratedPolicies): string {
  const out = [
    `# Generated by \`hikkoshi policy\` for runbook ${g.runbook}: least privilege per account. Regenerate when the runbook changes.`,
  ];
  for (const [alias, a] of Object.entries(g.accounts)) {
    out.push(
      "",
      hclDocument(
        `hikkoshi_${g.runbook}_${alias}`,
        a.policy,
        `Account ${alias} (${a.accountId}): attach to the role or user hikkoshi acts as there.`,
      ),
    );
    if (a.assumeRole) {
      out.push(
        "",
        hclDocument(
          `hikkoshi_${g.runbook}_${alias}_assume`,
          a.assumeRole,
          `Account ${alias}: for the base credentials that assume its roleArn.`,
        ),
      );
    }
  }
  for (const [task, k] of Object.entries(g.keyPolicies)) {
    out.push(
      "",
      `# Key policy of the key ${task} creates in ${k.account} (kms.create-key writes it; for a key Terraform manages, this is the policy):`,
      `locals {\n  hikkoshi_${hclName(`${g.runbook}_${task}`)}_key_policy = ${JSON.stringify(JSON.stringify(k.policy))}\n}`,
    );
  }
  if (g.batchRole) {
    out.push(
      "",
      hclDocument(
        `hikkoshi_${g.runbook}_batch_trust`,
        g.batchRole.trust,
        `Trust policy of ${g.batchRole.roleArn}: S3 Batch Operations assumes it.`,
      ),
      "",
      hclDocument(
        `hikkoshi_${g.runbook}_batch`,
        g.batchRole.permissions,
        `Permissions of ${g.batchRole.roleArn}: read the source versions, write the copies, manifests and reports.`,
      ),
    );
  }
  return `${out.join("\n")}\n`;
}

/** The files `hikkoshi policy --out-dir` writes, by name: one JSON document each, and the Terraform file. */
export function policyFiles(g: GeneratedPolicies): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [alias, a] of Object.entries(g.accounts)) {
    files[`${g.runbook}-${alias}.json`] = policyJson(a.policy);
    if (a.assumeRole) files[`${g.runbook}-${alias}-assume-role.json`] = policyJson(a.assumeRole);
  }
  for (const [task, k] of Object.entries(g.keyPolicies)) {
    files[`${g.runbook}-${task}-key-policy.json`] = `${JSON.stringify(k.policy, null, 2)}\n`;
  }
  if (g.batchRole) {
    files[`${g.runbook}-batch-role-trust.json`] = policyJson(g.batchRole.trust);
    files[`${g.runbook}-batch-role.json`] = policyJson(g.batchRole.permissions);
  }
  files[`${g.runbook}.tf`] = terraform(g);
  return files;
}
