/**
 * The AwsReader / AwsWriter the engine hands to steps: reads only read-only actions; mutations are
 * refused in read-only mode (plan) and otherwise journaled before and after the call.
 */
import type { MetadataBearer } from "@smithy/types";
import { HikkoshiError } from "../core/errors.js";
import type { AwsWriter, DryRunVerdict } from "../steps/define.js";
import { credentialSource } from "./credential-source.js";
import type { AccountCredentials } from "./credentials.js";
import {
  awsCategory,
  awsErrorFacts,
  isCredentialsExpired,
  isExpiredCredentialsAnswer,
  toHikkoshiError,
} from "./errors.js";
import type { AwsSession } from "./session.js";
import { type AwsCommand, actionName, isReadOnlyAction, type ServiceName } from "./types.js";

export { AwsError, awsCategory, awsErrorName, toHikkoshiError } from "./errors.js";

export interface JournalEntry {
  alias: string;
  accountId: string;
  callerArn: string;
  service: ServiceName;
  action: string;
  resource: string;
}

export type JournalOutcome = { ok: true } | { ok: false; code: string; message: string };

/** Where mutating calls are recorded (the engine implements it on SQLite). */
export interface JournalSink {
  /** Records intent (outcome "pending") and returns the row id. */
  before(entry: JournalEntry): string | Promise<string>;
  after(id: string, outcome: JournalOutcome): void | Promise<void>;
}

export interface AwsAccessOptions {
  readOnly: boolean;
  /** From the account guard (verifyAccounts). Missing aliases are looked up through the session. */
  identities: Record<string, { accountId: string; arn: string }>;
  journal?: JournalSink;
}

/** Input fields that name what a call acts on, most specific first; used for messages on reads. */
const RESOURCE_FIELDS = [
  "TargetDBSnapshotIdentifier",
  "TargetDBClusterSnapshotIdentifier",
  "DBSnapshotIdentifier",
  "DBClusterSnapshotIdentifier",
  "SourceDBSnapshotIdentifier",
  "SourceDBClusterSnapshotIdentifier",
  "DBInstanceIdentifier",
  "DBClusterIdentifier",
  "ResourceName",
  "KeyId",
  "TargetKeyId",
  "AliasName",
  "Bucket",
  "JobId",
  "SnapshotId",
  "ImageId",
];

export function resourceOf(command: AwsCommand<MetadataBearer>): string | undefined {
  const input = (command as { input?: Record<string, unknown> }).input ?? {};
  for (const field of RESOURCE_FIELDS) {
    const value = input[field];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

interface Sender {
  send(command: unknown): Promise<unknown>;
}

/**
 * When AWS answers that the credentials that signed a request expired, it acted on nothing: renew them
 * through the account's provider and send the request once more (as aws-sdk-go v1 does; the JS SDK only
 * renews ahead of time, on this machine's clock). A second refusal, or a renewal that fails, is the caller's.
 */
async function sendRenewing(client: Sender, credentials: AccountCredentials, command: unknown): Promise<unknown> {
  const seen = credentials.generation;
  try {
    return await client.send(command);
  } catch (err) {
    if (!isExpiredCredentialsAnswer(err)) throw err;
    await credentials.renew(seen);
    return client.send(command);
  }
}

export function createAwsAccess(session: AwsSession, options: AwsAccessOptions): AwsWriter {
  const whoAmI = async (alias: string): Promise<{ accountId: string; arn: string }> =>
    options.identities[alias] ?? session.identity(alias);

  const send = async <O extends MetadataBearer>(
    alias: string,
    service: ServiceName,
    command: AwsCommand<O>,
    resource: string | undefined,
    callerArn: string | undefined,
  ): Promise<O> => {
    const client = session.client(alias, service) as unknown as Sender;
    try {
      return (await sendRenewing(client, session.credentials(alias), command)) as O;
    } catch (err) {
      const account = session.account(alias);
      const input = (command as { input?: Record<string, unknown> }).input ?? {};
      const kmsKeyId = typeof input.KmsKeyId === "string" ? input.KmsKeyId : undefined;
      throw toHikkoshiError(err, {
        action: actionName(command),
        alias,
        accountId: options.identities[alias]?.accountId ?? account.id,
        service,
        region: account.region,
        ...(resource !== undefined ? { resource } : {}),
        ...(callerArn !== undefined ? { callerArn } : {}),
        ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
        ...(isCredentialsExpired(err) ? { renew: credentialSource(account).renew } : {}),
      });
    }
  };

  return {
    read: async (alias, service, command) => {
      const action = actionName(command);
      if (!isReadOnlyAction(action)) {
        throw new HikkoshiError("AWS_MUTATION_VIA_READ", `${action} is not a read-only action`, {
          hint: "a step sent a mutating command through ctx.aws.read; it must use ctx.aws.mutate (journaled)",
        });
      }
      return send(alias, service, command, resourceOf(command), options.identities[alias]?.arn);
    },

    dryRun: async (alias, service, command): Promise<DryRunVerdict> => {
      const action = actionName(command);
      const input = (command as { input?: Record<string, unknown> }).input ?? {};
      if (input.DryRun !== true) {
        throw new HikkoshiError("AWS_DRYRUN_WITHOUT_FLAG", `${action} sent as a dry run without DryRun: true`, {
          hint: "a step's dry run must set DryRun: true in the command input, or AWS would act",
        });
      }
      try {
        await send(alias, service, command, resourceOf(command), options.identities[alias]?.arn);
      } catch (err) {
        // Expired credentials say nothing about the permission: the caller must hear it.
        if (isCredentialsExpired(err)) throw err;
        const cause = err instanceof HikkoshiError && err.cause !== undefined ? err.cause : err;
        const facts = awsErrorFacts(cause);
        if (facts.code === "DryRunOperation") return { verdict: "allowed" };
        const denied = facts.code === "UnauthorizedOperation" || awsCategory(cause) === "access-denied";
        return { verdict: denied ? "denied" : "inconclusive", code: facts.code, message: facts.message };
      }
      // A 2xx answer to a dry run means the endpoint ignored DryRun and acted: say so loudly.
      throw new HikkoshiError("AWS_DRYRUN_ACTED", `${action} answered success to a dry run`, {
        hint: "the endpoint ignored DryRun=true and may have acted; check the account and report this",
      });
    },

    mutate: async <O extends MetadataBearer>(
      alias: string,
      service: ServiceName,
      command: AwsCommand<O>,
      resource: string,
    ): Promise<O> => {
      const action = actionName(command);
      if (options.readOnly) {
        throw new HikkoshiError("PLAN_READ_ONLY", `${action} on ${resource} refused: planning is read-only`, {
          hint: "a step's plan() must only use ctx.aws.read",
          resource,
        });
      }
      const identity = await whoAmI(alias);
      const journalId = await options.journal?.before({
        alias,
        accountId: identity.accountId,
        callerArn: identity.arn,
        service,
        action,
        resource,
      });
      let out: O;
      try {
        out = await send(alias, service, command, resource, identity.arn);
      } catch (err) {
        if (journalId !== undefined) {
          const cause = err instanceof HikkoshiError && err.cause !== undefined ? err.cause : err;
          const facts = awsErrorFacts(cause);
          await options.journal?.after(journalId, { ok: false, code: facts.code, message: facts.message });
        }
        throw err;
      }
      if (journalId !== undefined) await options.journal?.after(journalId, { ok: true });
      return out;
    },
  };
}
