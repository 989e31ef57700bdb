import { closest, distance } from "fastest-levenshtein";
import type { LineCounter, Node } from "yaml";
import type { Diagnostic, SourceLocation } from "../core/errors.js";
import type { RunbookCode } from "./codes.js";

/** Where a finding points: a YAML node, optionally narrowed to the first occurrence of `find` in it. */
export interface Where {
  node?: Node | null | undefined;
  find?: string;
  /** Absolute offset in the text, when known directly. */
  offset?: number;
}

export interface Finding {
  hint?: string;
  /** The offending text; defaults to `find` or the node's source. */
  text?: string;
  severity?: "error" | "warning";
}

/** Collects every problem with file:line:col; duplicates (same code, place and message) collapse. */
export class DiagnosticSink {
  private readonly items = new Map<string, Diagnostic>();
  constructor(
    readonly file: string,
    readonly text: string,
    private readonly lines: LineCounter,
  ) {}

  locate(where: Where): { location: SourceLocation; text: string | undefined } {
    let offset = where.offset ?? 0;
    let text: string | undefined;
    const range = where.node?.range;
    if (range) {
      offset = range[0];
      text = this.text.slice(range[0], range[1]);
      if (where.find) {
        const at = text.indexOf(where.find);
        if (at >= 0) {
          offset += at;
          text = where.find;
        }
      }
    }
    const pos = this.lines.linePos(offset);
    return { location: { file: this.file, line: pos.line, col: pos.col }, text: text?.trim() || undefined };
  }

  report(code: RunbookCode, message: string, where: Where, finding: Finding = {}): void {
    const { location, text } = this.locate(where);
    const d: Diagnostic = { code, message, location, severity: finding.severity ?? "error" };
    const shown = finding.text ?? text;
    if (shown !== undefined) d.text = shown;
    if (finding.hint !== undefined) d.hint = finding.hint;
    const key = `${code}|${location.line}|${location.col}|${message}`;
    if (!this.items.has(key)) this.items.set(key, d);
  }

  get hasErrors(): boolean {
    return [...this.items.values()].some((d) => d.severity === "error");
  }

  sorted(): Diagnostic[] {
    return [...this.items.values()].sort(
      (a, b) =>
        (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
        (a.location?.col ?? 0) - (b.location?.col ?? 0) ||
        a.code.localeCompare(b.code),
    );
  }
}

/** "did you mean …?" hint for a misspelled name, or the list of valid names when nothing is close. */
export function suggest(word: string, candidates: readonly string[], what = "expected one of"): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, [...candidates]);
  const near = best.length <= 3 ? 1 : best.length <= 8 ? 2 : Math.floor(best.length / 3);
  if (distance(word, best) <= near) return `did you mean '${best}'?`;
  const list = candidates.length > 12 ? `${candidates.slice(0, 12).join(", ")}, …` : candidates.join(", ");
  return `${what}: ${list}`;
}
