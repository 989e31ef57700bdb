/**
 * MD5 that can resume from a saved state: synthesized content is a long filler shared by many versions
 * followed by a short tail of each version's own (body.ts). The filler's state is computed once per
 * (seed, length) and kept; a version's digest is then the last one or two 64-byte blocks, computed here
 * in JavaScript. Node's hashes can be copied, but a copy costs a native object per version (about 1 µs,
 * most of what listing a generated version cost); resuming from four saved words costs a tenth of that.
 */

const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
const INITIAL = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];

const words = new Int32Array(16);

/** One 64-byte block of `bytes` at `offset` into `state`. */
function compress(state: Int32Array, bytes: Buffer, offset: number): void {
  for (let k = 0, o = offset; k < 16; k++, o += 4) {
    words[k] = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  for (let i = 0; i < 64; i++) {
    let f: number;
    let g: number;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const s = SHIFTS[((i >> 4) << 2) | (i & 3)]!;
    const t = (a + f + K[i]! + words[g]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + ((t << s) | (t >>> (32 - s)))) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

/** One 64-byte block into `state` (four words, updated in place). */
export function md5Block(state: Int32Array, block: Buffer): void {
  compress(state, block, 0);
}

/** The state after whole blocks of a prefix, and the prefix's bytes past the last whole block. */
export interface Md5Prefix {
  state: Int32Array;
  /** Bytes of the prefix processed (a multiple of 64). */
  done: number;
  rest: Buffer;
}

/** Runs `length` bytes, produced 64 at a time by `block(index, target)`, through MD5. */
export function md5Prefix(length: number, block: (index: number, target: Buffer) => void): Md5Prefix {
  const state = Int32Array.from(INITIAL);
  const buffer = Buffer.alloc(64);
  const whole = Math.floor(length / 64);
  for (let i = 0; i < whole; i++) {
    block(i, buffer);
    compress(state, buffer, 0);
  }
  const restLength = length - whole * 64;
  const rest = Buffer.alloc(restLength);
  if (restLength > 0) {
    block(whole, buffer);
    buffer.copy(rest, 0, 0, restLength);
  }
  return { state, done: whole * 64, rest };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

const state = new Int32Array(4);
let scratch = Buffer.alloc(256);

/** Hex MD5 of the prefix followed by `tail` (UTF-8). */
export function md5Resume(prefix: Md5Prefix, tail: string): string {
  state.set(prefix.state);
  const restLength = prefix.rest.length;
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (scratch.length < restLength + tail.length * 3 + 72)
    scratch = Buffer.alloc(2 * (restLength + tail.length * 3 + 72));
  const last = scratch;
  prefix.rest.copy(last, 0);
  const tailLength = last.write(tail, restLength, "utf8");
  const left = restLength + tailLength;
  const length = prefix.done + left;
  const padded = Math.ceil((left + 9) / 64) * 64;
  last.fill(0, left, padded);
  last[left] = 0x80;
  const bits = length * 8;
  last.writeUInt32LE(bits >>> 0, padded - 8);
  last.writeUInt32LE(Math.floor(bits / 2 ** 32), padded - 4);
  for (let offset = 0; offset < padded; offset += 64) compress(state, last, offset);
  let hex = "";
  for (let w = 0; w < 4; w++) {
    const v = state[w]!;
    hex += HEX[v & 0xff]! + HEX[(v >>> 8) & 0xff]! + HEX[(v >>> 16) & 0xff]! + HEX[(v >>> 24) & 0xff]!;
  }
  return hex;
}
