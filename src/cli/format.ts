/** Human formatting of errors, diagnostics, durations. Only the CLI formats. */
import { type Diagnostic, errorMessage, HikkoshiError, ValidationFailed } from "../core/errors.js";

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** 200 GB, 1.5 GB, 0.03 GB, < 0.01 GB: a size an operator reads at a glance. */
export function formatGb(gb: number): string {
  if (gb >= 10) return `${Math.round(gb)} GB`;
  if (gb >= 0.01) return `${Number(gb.toFixed(2))} GB`;
  return gb > 0 ? "< 0.01 GB" : "0 GB";
}

export function formatTime(epochMs: number | undefined): string {
  return epochMs === undefined ? "-" : new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A diagnostic quotes at most this much of the file: a minified or binary line must not flood the terminal. */
const MAX_QUOTE = 160;

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : "(runbook)";
  const lines = [`${where}: ${d.severity} ${d.code}: ${d.message}`];
  if (d.text) lines.push(`    ${d.text.length > MAX_QUOTE ? `${d.text.slice(0, MAX_QUOTE).split("\n")[0]}…` : d.text}`);
  if (d.hint) lines.push(`    hint: ${d.hint}`);
  return lines.join("\n");
}

export interface FormatOptions {
  /** HIKKOSHI_DEBUG=1: an unexpected error's stack too. */
  debug?: boolean;
}

export function formatError(err: unknown, options: FormatOptions = {}): string {
  if (err instanceof ValidationFailed) {
    const errors = err.diagnostics.filter((d) => d.severity === "error").length;
    return `${err.diagnostics.map(formatDiagnostic).join("\n")}\n\n${errors} error(s); nothing was run.`;
  }
  if (err instanceof HikkoshiError) {
    const lines = [`error ${err.code}: ${err.message}`];
    if (err.location) lines.push(`  at ${err.location.file}:${err.location.line}:${err.location.col}`);
    if (err.resource) lines.push(`  resource: ${err.resource}`);
    if (err.hint) lines.push(`  hint: ${err.hint}`);
    return lines.join("\n");
  }
  return formatUnexpected(err, options);
}

/** Anything not a HikkoshiError is a bug: one line and what to do, the stack only when asked for. */
export function formatUnexpected(err: unknown, options: FormatOptions = {}): string {
  const message = errorMessage(err).split("\n")[0]!.trim() || (err instanceof Error ? err.name : "?");
  const lines = [`unexpected error: ${message}`];
  if (options.debug && err instanceof Error && err.stack) lines.push(err.stack);
  lines.push(
    "  hint: this is a bug in hikkoshi: report it with the command you ran, this message and `hikkoshi --version`" +
      (options.debug ? "" : " (HIKKOSHI_DEBUG=1 adds where it happened)") +
      "; nothing already recorded in the state file is lost",
  );
  return lines.join("\n");
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}
