/**
 * The expression language of `${{ … }}` and `if`: reference paths, literals, `==`, `!=`, `!`, `&&`, `||`
 * and parentheses. A hand-written tokenizer and recursive-descent parser; nothing is ever eval'd.
 */
export type Segment = { name: string } | { index: string };

export type Expr =
  | { kind: "lit"; value: string | number | boolean | null }
  | { kind: "path"; segs: Segment[]; text: string }
  | { kind: "not"; expr: Expr }
  | { kind: "bin"; op: "==" | "!=" | "&&" | "||"; left: Expr; right: Expr };

export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Token =
  | { t: "op"; v: string; at: number }
  | { t: "ident"; v: string; at: number }
  | { t: "index"; v: string; at: number }
  | { t: "lit"; v: string | number | boolean | null; at: number }
  | { t: "end"; at: number };

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?\d+(\.\d+)?/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "&&" || two === "||") {
      out.push({ t: "op", v: two, at: i });
      i += 2;
    } else if ("().!".includes(c)) {
      out.push({ t: "op", v: c, at: i });
      i++;
    } else if (c === "[") {
      const end = src.indexOf("]", i);
      if (end < 0) throw new ExprError("unclosed '['", i);
      out.push({ t: "index", v: unquote(src.slice(i + 1, end).trim(), i), at: i });
      i = end + 1;
    } else if (c === "'" || c === '"') {
      const [value, next] = readString(src, i);
      out.push({ t: "lit", v: value, at: i });
      i = next;
    } else if (matchAt(NUMBER, src, i)) {
      const m = matchAt(NUMBER, src, i)!;
      out.push({ t: "lit", v: Number(m), at: i });
      i += m.length;
    } else if (matchAt(IDENT, src, i)) {
      const m = matchAt(IDENT, src, i)!;
      const kw: Record<string, boolean | null> = { true: true, false: false, null: null };
      out.push(m in kw ? { t: "lit", v: kw[m] ?? null, at: i } : { t: "ident", v: m, at: i });
      i += m.length;
    } else {
      throw new ExprError(`unexpected character '${c}'`, i);
    }
  }
  out.push({ t: "end", at: src.length });
  return out;
}

function matchAt(re: RegExp, src: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(src)?.[0];
}

function readString(src: string, start: number): [string, number] {
  const q = src[start]!;
  let i = start + 1;
  let value = "";
  while (i < src.length) {
    const c = src[i]!;
    if (q === "'" && c === "'" && src[i + 1] === "'") {
      value += "'";
      i += 2;
    } else if (q === '"' && c === "\\") {
      const raw = src.slice(i, i + 2);
      value += JSON.parse(`"${raw === "\\u" ? src.slice(i, i + 6) : raw}"`);
      i += raw === "\\u" ? 6 : 2;
    } else if (c === q) {
      return [value, i + 1];
    } else {
      value += c;
      i++;
    }
  }
  throw new ExprError("unterminated string", start);
}

function unquote(s: string, at: number): string {
  if (s === "") throw new ExprError("empty '[]'", at);
  if (s[0] === "'" || s[0] === '"') return readString(s, 0)[0];
  return s;
}

/** Parse an expression (the text inside `${{ }}` or an `if`). Throws ExprError with the offset. */
export function parseExpression(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p]!;
  const isOp = (v: string) => {
    const t = peek();
    return t.t === "op" && t.v === v;
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected '${v}'`, peek().at);
    p++;
  };
  const binary = (ops: string[], next: () => Expr, once = false): Expr => {
    let left = next();
    while (ops.some(isOp)) {
      const op = (toks[p++] as { v: "==" | "!=" | "&&" | "||" }).v;
      left = { kind: "bin", op, left, right: next() };
      if (once) break;
    }
    return left;
  };
  const or = (): Expr => binary(["||"], and);
  const and = (): Expr => binary(["&&"], eq);
  const eq = (): Expr => binary(["==", "!="], unary, true);
  const unary = (): Expr => {
    if (isOp("!")) {
      p++;
      return { kind: "not", expr: unary() };
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = peek();
    if (t.t === "lit") {
      p++;
      return { kind: "lit", value: t.v };
    }
    if (isOp("(")) {
      p++;
      const e = or();
      expect(")");
      return e;
    }
    if (t.t !== "ident") throw new ExprError(t.t === "end" ? "expression ends too early" : "expected a value", t.at);
    p++;
    const segs: Segment[] = [{ name: t.v }];
    for (;;) {
      const n = peek();
      if (n.t === "index") {
        segs.push({ index: n.v });
        p++;
      } else if (isOp(".")) {
        p++;
        const id = peek();
        if (id.t !== "ident") throw new ExprError("expected a name after '.'", id.at);
        segs.push({ name: id.v });
        p++;
      } else break;
    }
    const end = peek().at;
    return { kind: "path", segs, text: src.slice(t.at, end).trim() };
  };
  const e = or();
  if (peek().t !== "end") throw new ExprError("unexpected text after the expression", peek().at);
  return e;
}

export type TemplatePart = { kind: "text"; text: string } | { kind: "expr"; src: string; raw: string; start: number };

/**
 * Split a string into literal text and `${{ … }}` parts. `$${{` is a literal `${{` (the text part holds it
 * unescaped): that is how values (params, items, accounts) that contain `${{` stay text once substituted.
 * Throws ExprError on an unclosed `${{`.
 */
export function splitTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf("${{", i);
    if (open < 0) break;
    if (open > 0 && s[open - 1] === "$") {
      text += `${s.slice(i, open - 1)}\${{`;
      i = open + 3;
      continue;
    }
    const close = s.indexOf("}}", open + 3);
    if (close < 0) throw new ExprError("'${{' without a closing '}}'", open);
    text += s.slice(i, open);
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
    parts.push({ kind: "expr", src: s.slice(open + 3, close), raw: s.slice(open, close + 2), start: open });
    i = close + 2;
  }
  text += s.slice(i);
  if (text !== "") parts.push({ kind: "text", text });
  return parts;
}

/** True when the string holds a `${{` that is not escaped as `$${{`. */
export function hasTemplate(s: string): boolean {
  for (let at = s.indexOf("${{"); at >= 0; at = s.indexOf("${{", at + 3)) {
    if (at === 0 || s[at - 1] !== "$") return true;
  }
  return false;
}

/** Text → template text that means exactly that text (every `${{` escaped as `$${{`). */
export function escapeTemplate(text: string): string {
  // A function, not a string: in a replacement string "$$" would mean one "$".
  return text.includes("${{") ? text.replaceAll("${{", () => "$${{") : text;
}

/** A string without references → the text it means (escapes removed); a string with references unchanged. */
export function unescapeTemplate(s: string): string {
  if (!s.includes("${{") || hasTemplate(s)) return s;
  return splitTemplate(s)
    .map((p) => (p.kind === "text" ? p.text : p.raw))
    .join("");
}

/** The inside of a string that is exactly one `${{ … }}` (surrounding blanks allowed), else undefined. */
export function soleTemplate(s: string): string | undefined {
  const parts = splitTemplate(s.trim());
  return parts.length === 1 && parts[0]!.kind === "expr" ? parts[0]!.src : undefined;
}

const PREC = { "||": 1, "&&": 2, "==": 3, "!=": 3 } as const;

/** Print an expression back as text (used for residual `if` conditions and canonical paths). */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "lit":
      return JSON.stringify(e.value);
    case "path":
      return e.text;
    case "not":
      return `!${e.expr.kind === "bin" ? `(${printExpr(e.expr)})` : printExpr(e.expr)}`;
    case "bin": {
      const side = (x: Expr, right: boolean) => {
        const tight =
          x.kind === "bin" &&
          (PREC[x.op] < PREC[e.op] || (PREC[x.op] === PREC[e.op] && (right || e.op === "==" || e.op === "!=")));
        return tight ? `(${printExpr(x)})` : printExpr(x);
      };
      return `${side(e.left, false)} ${e.op} ${side(e.right, true)}`;
    }
  }
}
