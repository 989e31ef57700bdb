/**
 * A runbook's file and bytes: only a regular file under the size limit is read (a FIFO or a device is
 * refused without reading), and only UTF-8 is text (other encodings are named, bad bytes found at line:col).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HikkoshiError, ValidationFailed } from "../../src/core/errors.js";
import { loadRunbook } from "../../src/runbook/index.js";
import { decodeRunbook, firstInvalidUtf8, MAX_RUNBOOK_BYTES, readRunbookText } from "../../src/runbook/source.js";
import { testRegistry } from "./registry-fixture.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...utf8(p)] : p)));

function diagnosticOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailed);
    const [d, ...rest] = (err as ValidationFailed).diagnostics;
    expect(rest).toEqual([]);
    return d!;
  }
  throw new Error("expected an encoding error");
}

describe("decodeRunbook", () => {
  it.each([
    { name: "UTF-16 LE", input: [0xff, 0xfe, 0x76, 0x00] },
    { name: "UTF-16 BE", input: [0xfe, 0xff, 0x00, 0x76] },
    { name: "UTF-32 LE", input: [0xff, 0xfe, 0x00, 0x00, 0x76, 0, 0, 0] },
    { name: "UTF-32 BE", input: [0x00, 0x00, 0xfe, 0xff, 0, 0, 0, 0x76] },
  ])("names a $name file by its byte order mark", ({ name, input }) => {
    const d = diagnosticOf(() => decodeRunbook(Uint8Array.from(input), "rb.yaml"));
    expect(d).toMatchObject({ code: "RB_ENCODING", location: { file: "rb.yaml", line: 1, col: 1 } });
    expect(d.message).toBe(`runbook is ${name} (it starts with a byte order mark)`);
    expect(d.hint).toContain("save it as UTF-8");
  });

  it.each([
    { what: "a Latin-1 é", input: bytes("version: 1\n# caf", [0xe9], "\n"), line: 2, col: 6, byte: "0xe9" },
    { what: "a lone continuation byte", input: bytes("a: ", [0x80]), line: 1, col: 4, byte: "0x80" },
    { what: "an overlong encoding", input: bytes("a: b\nc: ", [0xc0, 0xaf]), line: 2, col: 4, byte: "0xc0" },
    { what: "a UTF-16 surrogate", input: bytes("a: ", [0xed, 0xa0, 0x80]), line: 1, col: 4, byte: "0xed" },
    { what: "a sequence cut at the end", input: bytes("a: ", [0xe3, 0x81]), line: 1, col: 4, byte: "0xe3" },
    { what: "a byte never in UTF-8", input: bytes("a: ", [0xf5, 0x80, 0x80, 0x80]), line: 1, col: 4, byte: "0xf5" },
    // Columns count characters (as every diagnostic does), not bytes: two Japanese characters before it.
    { what: "a bad byte after multibyte text", input: bytes("x\n# 移行", [0xff]), line: 2, col: 5, byte: "0xff" },
  ])("finds $what at line:col", ({ input, line, col, byte }) => {
    const d = diagnosticOf(() => decodeRunbook(input, "rb.yaml"));
    expect(d).toMatchObject({ code: "RB_ENCODING", location: { line, col } });
    expect(d.message).toContain(`invalid UTF-8: byte ${byte}`);
    expect(d.hint).toContain("Shift_JIS");
  });

  it("finds a NUL (UTF-16 without a byte order mark)", () => {
    const d = diagnosticOf(() => decodeRunbook(bytes("a: 1\nb", [0], ": 2"), "rb.yaml"));
    expect(d).toMatchObject({ code: "RB_ENCODING", location: { line: 2, col: 2 } });
    expect(d.hint).toContain("UTF-16 without a byte order mark");
  });

  it("keeps a UTF-8 byte order mark in the text (the text stored with a run is the file)", () => {
    expect(decodeRunbook(bytes([0xef, 0xbb, 0xbf], "a: 1\n"), "rb.yaml")).toBe("\uFEFFa: 1\n");
  });

  it("finds the same first bad byte as the platform's strict decoder, on random bytes", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 2000; n++) {
      // Mostly valid text with a few random bytes, so that both outcomes are common.
      const buf = utf8(`key: välue ${n} 移行 😀`);
      for (let k = next() % 3; k > 0; k--) buf[next() % buf.length] = next() % 256;
      const at = firstInvalidUtf8(buf);
      const strict = new TextDecoder("utf-8", { fatal: true });
      if (at === buf.length) expect(() => strict.decode(buf)).not.toThrow();
      else {
        expect(() => strict.decode(buf)).toThrow();
        expect(() => strict.decode(buf.subarray(0, at))).not.toThrow();
      }
    }
  });
});

describe("readRunbookText", () => {
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-source-"));
  const codeOf = (path: string) => {
    try {
      readRunbookText(path);
    } catch (err) {
      expect(err).toBeInstanceOf(HikkoshiError);
      return { code: (err as HikkoshiError).code, message: (err as HikkoshiError).message };
    }
    throw new Error(`expected ${path} to be refused`);
  };

  it("reads a regular file", () => {
    writeFileSync(join(dir, "ok.yaml"), "version: 1\n");
    expect(readRunbookText(join(dir, "ok.yaml"))).toBe("version: 1\n");
  });

  it.each([
    { what: "a directory", make: () => mkdirSync(join(dir, "d"), { recursive: true }), file: "d", kind: "a directory" },
    {
      what: "a FIFO without a writer (refused at once, not waited on)",
      make: () => execFileSync("mkfifo", [join(dir, "fifo")]),
      file: "fifo",
      kind: "a named pipe (FIFO)",
    },
    { what: "/dev/zero", make: () => {}, file: "/dev/zero", kind: "a character device" },
  ])("refuses $what before reading it", ({ make, file, kind }) => {
    make();
    const path = file.startsWith("/") ? file : join(dir, file);
    expect(codeOf(path)).toEqual({
      code: "RUNBOOK_NOT_A_FILE",
      message: `runbook ${path} is ${kind}, not a regular file`,
    });
  });

  it("refuses a file over the limit without reading it", () => {
    const path = join(dir, "big.yaml");
    writeFileSync(path, "");
    truncateSync(path, MAX_RUNBOOK_BYTES + 1); // sparse: nothing is written
    expect(codeOf(path)).toEqual({
      code: "RUNBOOK_TOO_LARGE",
      message: `runbook ${path} is 5.0 MB, over the limit of 5 MB`,
    });
  });

  it("says a missing file is missing", () => {
    expect(codeOf(join(dir, "nope.yaml"))).toEqual({
      code: "RUNBOOK_NOT_FOUND",
      message: `cannot read runbook ${join(dir, "nope.yaml")}: no such file`,
    });
  });

  it("loadRunbook reports the encoding as a diagnostic of the file", () => {
    const path = join(dir, "latin1.yaml");
    writeFileSync(path, bytes("version: 1\nname: caf", [0xe9], "\n"));
    const d = diagnosticOf(() => loadRunbook(path, testRegistry));
    expect(d).toMatchObject({ code: "RB_ENCODING", location: { file: path, line: 2, col: 10 } });
  });
});
