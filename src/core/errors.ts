/**
 * Errors are values: a stable `code`, a human message, a `hint` that says what to do next, an optional
 * location (runbook file:line:col, or an AWS resource) and the underlying cause. Only the CLI formats them.
 */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export interface ErrorDetails {
  hint?: string;
  location?: SourceLocation;
  /** AWS resource (ARN or identifier) or task id the error is about. */
  resource?: string;
  cause?: unknown;
}

export class HikkoshiError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly resource: string | undefined;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "HikkoshiError";
    this.code = code;
    this.hint = details.hint;
    this.location = details.location;
    this.resource = details.resource;
  }
}

/** One validation finding. Validation collects all of them instead of stopping at the first. */
export interface Diagnostic {
  code: string; // e.g. "RB_UNKNOWN_STEP_TYPE"
  message: string;
  location?: SourceLocation;
  /** The offending text as written in the file, when there is one. */
  text?: string;
  hint?: string;
  severity: "error" | "warning";
}

export class ValidationFailed extends HikkoshiError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super("VALIDATION_FAILED", `${diagnostics.filter((d) => d.severity === "error").length} problem(s) in the runbook`);
    this.diagnostics = diagnostics;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
