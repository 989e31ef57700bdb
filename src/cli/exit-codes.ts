/** Exit codes are part of the interface: scripts and CI branch on them. Documented in the README. */
export const EXIT = {
  OK: 0,
  UNEXPECTED: 1,
  VALIDATION: 2,
  /** `plan --detailed-exitcode` only: the plan changes something (as Terraform's 2). */
  PLAN_HAS_CHANGES: 2,
  PRECONDITION: 3,
  TASK_FAILED: 4,
  WAITING_APPROVAL: 5,
  LOCK_HELD: 6,
  NEEDS_CONFIRMATION: 7,
  /** The state file cannot be used: not a file, unreadable, damaged, another program's, or newer. */
  STATE_FILE: 8,
  /**
   * The run parked itself: an account's credentials ran out mid-run and could not be renewed (an SSO
   * session that ended). Not 130: nobody pressed Ctrl-C, and a script can log in and resume on this code.
   */
  CREDENTIALS_EXPIRED: 9,
  INTERRUPTED: 130,
} as const;

const BY_ERROR_CODE: Record<string, number> = {
  VALIDATION_FAILED: EXIT.VALIDATION,
  USAGE: EXIT.VALIDATION,
  RUNBOOK_NOT_FOUND: EXIT.VALIDATION,
  RUNBOOK_UNREADABLE: EXIT.VALIDATION,
  RUNBOOK_NOT_A_FILE: EXIT.VALIDATION,
  RUNBOOK_TOO_LARGE: EXIT.VALIDATION,
  PLAN_FILE_UNREADABLE: EXIT.VALIDATION,
  PRECONDITION_FAILED: EXIT.PRECONDITION,
  ACCOUNT_MISMATCH: EXIT.PRECONDITION,
  CREDENTIALS_UNAVAILABLE: EXIT.PRECONDITION,
  // The preflight could not reach an endpoint (connection or answer timed out): nothing was changed.
  AWS_NO_ANSWER: EXIT.PRECONDITION,
  PLAN_DRIFT: EXIT.PRECONDITION,
  RESUME_EDIT_CONFLICT: EXIT.PRECONDITION,
  RUN_NOT_FOUND: EXIT.VALIDATION,
  TASK_NOT_FOUND: EXIT.VALIDATION,
  LOCK_HELD: EXIT.LOCK_HELD,
  STATE_FILE_UNUSABLE: EXIT.STATE_FILE,
  STATE_FILE_CORRUPT: EXIT.STATE_FILE,
  STATE_FILE_FOREIGN: EXIT.STATE_FILE,
  STATE_SCHEMA_TOO_NEW: EXIT.STATE_FILE,
  LOCK_LOST: EXIT.LOCK_HELD,
  RUN_UNFINISHED: EXIT.LOCK_HELD,
};

export function exitCodeForError(code: string): number {
  return BY_ERROR_CODE[code] ?? EXIT.UNEXPECTED;
}

/** `parked`: why an interrupted run stopped by itself (RunOutcome.parked), if it did. */
export function exitCodeForRunState(state: string, parked?: { code: string }): number {
  if (state === "interrupted" && parked?.code === "CREDENTIALS_EXPIRED") return EXIT.CREDENTIALS_EXPIRED;
  switch (state) {
    case "succeeded":
      return EXIT.OK;
    case "waiting_approval":
      return EXIT.WAITING_APPROVAL;
    case "needs_confirmation":
      return EXIT.NEEDS_CONFIRMATION;
    case "interrupted":
      return EXIT.INTERRUPTED;
    default:
      return EXIT.TASK_FAILED;
  }
}
