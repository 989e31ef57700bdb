/**
 * A runbook's bytes → its text. The file must be a regular file under MAX_RUNBOOK_BYTES (a pipe or a device
 * is refused before anything is read from it) and UTF-8; anything else is an error that says what it is.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { type Diagnostic, HikkoshiError, ValidationFailed } from "../core/errors.js";

/** A runbook is a page of YAML: even a forEach over 100,000 items is under 2 MB. */
export const MAX_RUNBOOK_BYTES = 5 * 1024 * 1024;

/** Read a runbook file. Throws HikkoshiError (RUNBOOK_*) for the file, ValidationFailed for its encoding. */
export function readRunbookText(path: string): string {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO without a writer must not wait (it is refused just below).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw cannotOpen(path, err as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new HikkoshiError("RUNBOOK_NOT_A_FILE", `runbook ${path} is ${kindOfFile(st)}, not a regular file`, {
        hint: st.isDirectory()
          ? "pass the path of a .yaml file (runbooks usually live under runbooks/)"
          : "save the runbook to a file and pass its path: hikkoshi reads runbooks only from regular files",
      });
    }
    if (st.size > MAX_RUNBOOK_BYTES) throw tooLarge(path, st.size);
    return decodeRunbook(readAtMost(fd, path, MAX_RUNBOOK_BYTES, st.size), path);
  } finally {
    closeSync(fd);
  }
}

function readAtMost(fd: number, path: string, limit: number, expected: number): Uint8Array {
  // One byte more than the limit tells a file that grew since fstat from one that fits. The buffer starts
  // at the size fstat said (a 5 MB buffer for every runbook cost ~10 ms) and grows if the file did.
  let buf = Buffer.allocUnsafe(Math.min(limit + 1, expected + 4097));
  let length = 0;
  for (;;) {
    if (length === buf.length && buf.length < limit + 1) {
      const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buf.length * 2));
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    let n: number;
    try {
      n = readSync(fd, buf, length, buf.length - length, null);
    } catch (err) {
      throw cannotOpen(path, err as NodeJS.ErrnoException);
    }
    if (n === 0) break;
    length += n;
    if (length > limit) throw tooLarge(path, length);
  }
  return buf.subarray(0, length);
}

function cannotOpen(path: string, err: NodeJS.ErrnoException): HikkoshiError {
  const missing = err.code === "ENOENT" || err.code === "ENOTDIR";
  const what: Record<string, string> = {
    ENOENT: "no such file",
    ENOTDIR: "a part of the path is not a directory",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "it is a directory",
    ENXIO: "it is a socket or a device, not a regular file",
  };
  return new HikkoshiError(
    missing ? "RUNBOOK_NOT_FOUND" : "RUNBOOK_UNREADABLE",
    `cannot read runbook ${path}: ${what[err.code ?? ""] ?? err.code ?? err.message}`,
    {
      hint: missing
        ? "check the path (runbooks usually live under runbooks/)"
        : "check the path and the file's permissions",
      cause: err,
    },
  );
}

function tooLarge(path: string, bytes: number): HikkoshiError {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return new HikkoshiError(
    "RUNBOOK_TOO_LARGE",
    `runbook ${path} is ${mb(bytes)}, over the limit of ${MAX_RUNBOOK_BYTES / (1024 * 1024)} MB`,
    { hint: "is it the right file? A runbook this large should be split into several runbooks" },
  );
}

function kindOfFile(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

const BOMS: { bytes: number[]; name: string }[] = [
  // UTF-32 first: its little-endian mark starts with UTF-16's.
  { bytes: [0x00, 0x00, 0xfe, 0xff], name: "UTF-32 BE" },
  { bytes: [0xff, 0xfe, 0x00, 0x00], name: "UTF-32 LE" },
  { bytes: [0xfe, 0xff], name: "UTF-16 BE" },
  { bytes: [0xff, 0xfe], name: "UTF-16 LE" },
];

const SAVE_AS_UTF8 = "save it as UTF-8 (your editor's 'save with encoding', or: iconv -t UTF-8 FILE > NEW)";

/**
 * Bytes → text, strictly: a UTF-16/32 byte order mark, an invalid UTF-8 sequence or a NUL is a diagnostic at
 * line:col. A UTF-8 byte order mark is kept in the text (YAML skips it), so the text is the file's.
 */
export function decodeRunbook(bytes: Uint8Array, path: string): string {
  const bom = BOMS.find((b) => b.bytes.every((x, i) => bytes[i] === x));
  if (bom) {
    throw encodingError(path, 1, 1, `runbook is ${bom.name} (it starts with a byte order mark)`, SAVE_AS_UTF8);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = countNewlines(bytes, at) + 1;
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    const col = new TextDecoder("utf-8").decode(bytes.subarray(lineStart, at)).length + 1;
    const byte = (bytes[at] ?? 0).toString(16).padStart(2, "0");
    throw encodingError(
      path,
      line,
      col,
      `invalid UTF-8: byte 0x${byte} at byte offset ${at}`,
      `the file is not UTF-8 (Latin-1 or Shift_JIS?): ${SAVE_AS_UTF8}`,
    );
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    const col = nul - (text.lastIndexOf("\n", nul - 1) + 1) + 1;
    throw encodingError(
      path,
      line,
      col,
      "runbook contains a NUL character",
      `a YAML file has none; is it UTF-16 without a byte order mark? ${SAVE_AS_UTF8}`,
    );
  }
  return text;
}

function encodingError(path: string, line: number, col: number, message: string, hint: string): ValidationFailed {
  const d: Diagnostic = { code: "RB_ENCODING", message, severity: "error", location: { file: path, line, col }, hint };
  return new ValidationFailed([d]);
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte → sequence length and the allowed range of the second byte (no overlongs, no surrogates).
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c === undefined || c < min || c > max) return i;
    }
    i += len;
  }
  return bytes.length;
}
