/** AWS sessions for the commands that talk to AWS (plan, run, resume, demo): `validate` never loads the SDK. */
import { createAwsSession } from "../aws/session.js";
import type { Runbook } from "../runbook/types.js";
import type { GlobalOptions } from "./state-file.js";

export function sessionFor(runbook: Runbook, opts: GlobalOptions) {
  const endpoint = opts.endpoint ?? runbook.endpoint;
  return createAwsSession(runbook.accounts, { runbookName: runbook.name, ...(endpoint ? { endpoint } : {}) });
}
