import { createHash, type Hash } from "node:crypto";
import { type Md5Prefix, md5Block, md5Prefix, md5Resume } from "./md5-resume.js";

/**
 * Object content without holding it: bytes for what clients uploaded, synthesized content for seeded
 * and generated objects (any size, even over 5 GB), slices and concatenations for copies and multipart
 * uploads. A copy shares its source's Body: copying costs no memory.
 */
export interface Body {
  readonly size: number;
  /** A stable fingerprint of the content, for the hashes of content too large to read. */
  readonly id: string;
  /** Bytes [start, end). */
  read(start: number, end: number): Buffer;
}

/** Content up to this size is hashed for real (ETag = MD5 of the bytes); larger content gets a stable fake. */
export const MD5_LIMIT = 16 * 1024 * 1024;

export function md5(data: string | Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

export class BytesBody implements Body {
  readonly id: string;
  constructor(readonly bytes: Buffer) {
    this.id = `b:${md5(bytes)}`;
  }
  get size(): number {
    return this.bytes.length;
  }
  read(start: number, end: number): Buffer {
    return this.bytes.subarray(start, end);
  }
}

const PATTERN_CACHE = new Map<string, Buffer>();
const FILLER_HASH_CACHE = new Map<string, Hash>();
const CACHE_LIMIT = 512;
/** Fillers up to this length are hashed in JavaScript once, so each version resumes from plain words. */
const RESUMABLE_FILLER = 1 << 20;

/**
 * The MD5 state after the first k blocks of a seed's filler, for every k so far asked: the pattern is one
 * 64-byte block repeated, so the state after a filler's whole blocks does not depend on its length and
 * the states of all lengths are one running sequence (4 words a block: 256 KB per seed at the 1 MiB cap).
 * A listing of versions of a hundred thousand different sizes costs one pass, not one per size.
 */
const FILLER_STATES = new Map<string, { pattern: Buffer; words: Int32Array; blocks: number }>();

function fillerState(seed: string, fillerLength: number): Md5Prefix {
  let run = FILLER_STATES.get(seed);
  if (!run) {
    if (FILLER_STATES.size >= CACHE_LIMIT) FILLER_STATES.clear();
    run = { pattern: patternOf(seed), words: new Int32Array(4 * (RESUMABLE_FILLER / 64 + 1)), blocks: 0 };
    run.words.set(md5Prefix(0, () => undefined).state);
    FILLER_STATES.set(seed, run);
  }
  const whole = Math.floor(fillerLength / 64);
  if (whole > run.blocks) {
    const state = run.words.slice(4 * run.blocks, 4 * run.blocks + 4);
    for (let k = run.blocks; k < whole; k++) {
      md5Block(state, run.pattern);
      run.words.set(state, 4 * (k + 1));
    }
    run.blocks = whole;
  }
  return {
    state: run.words.subarray(4 * whole, 4 * whole + 4),
    done: whole * 64,
    rest: run.pattern.subarray(0, fillerLength - whole * 64),
  };
}

function patternOf(seed: string): Buffer {
  let p = PATTERN_CACHE.get(seed);
  if (!p) {
    if (PATTERN_CACHE.size >= CACHE_LIMIT) PATTERN_CACHE.clear();
    p = Buffer.from(createHash("sha256").update(seed).digest("hex"), "latin1");
    PATTERN_CACHE.set(seed, p);
  }
  return p;
}

function fillPattern(target: Buffer, pattern: Buffer, phase: number): void {
  const p = phase % pattern.length;
  const rotated = p === 0 ? pattern : Buffer.concat([pattern.subarray(p), pattern.subarray(0, p)]);
  target.fill(rotated);
}

/**
 * Synthesized content: a filler (the hex SHA-256 of `seed`, repeated) followed by a short `tail` that
 * makes each version's bytes unique. The filler comes first so the MD5 state after it can be cached per
 * (seed, length) and each version's ETag costs one small update.
 */
export class SyntheticBody implements Body {
  readonly id: string;
  constructor(
    readonly seed: string,
    readonly size: number,
    readonly tail: string,
  ) {
    this.id = `s:${seed}:${size}:${tail}`;
  }

  private tailCache: Buffer | undefined;

  private get tailBytes(): Buffer {
    this.tailCache ??= Buffer.from(this.tail, "utf8").subarray(0, this.size);
    return this.tailCache;
  }

  read(start: number, end: number): Buffer {
    const tail = this.tailBytes;
    const fillerLength = this.size - tail.length;
    const out = Buffer.alloc(Math.max(0, end - start));
    const fillEnd = Math.min(end, fillerLength);
    if (start < fillEnd) fillPattern(out.subarray(0, fillEnd - start), patternOf(this.seed), start);
    for (let i = Math.max(start, fillerLength); i < end; i++) out[i - start] = tail[i - fillerLength]!;
    return out;
  }

  private digest: string | undefined;

  /** MD5 of the whole content (kept), resuming from the cached hash state of the filler. */
  md5(): string {
    this.digest ??= this.computeMd5();
    return this.digest;
  }

  private computeMd5(): string {
    const fillerLength = this.size - Buffer.byteLength(this.tail, "utf8");
    if (fillerLength > 0 && fillerLength <= RESUMABLE_FILLER) {
      return md5Resume(fillerState(this.seed, fillerLength), this.tail);
    }
    const tail = this.tailBytes;
    if (fillerLength <= 0) return createHash("md5").update(tail).digest("hex");
    const cacheKey = `${this.seed}\u0000${fillerLength}`;
    let state = FILLER_HASH_CACHE.get(cacheKey);
    if (!state) {
      if (FILLER_HASH_CACHE.size >= CACHE_LIMIT) FILLER_HASH_CACHE.clear();
      state = createHash("md5");
      const chunk = Buffer.alloc(Math.min(fillerLength, 1 << 20));
      fillPattern(chunk, patternOf(this.seed), 0);
      // chunk length is a multiple of the pattern length (64) unless it is the whole filler.
      for (let done = 0; done < fillerLength; done += chunk.length) {
        state.update(chunk.subarray(0, Math.min(chunk.length, fillerLength - done)));
      }
      FILLER_HASH_CACHE.set(cacheKey, state);
    }
    return state.copy().update(tail).digest("hex");
  }
}

export class SliceBody implements Body {
  readonly id: string;
  readonly size: number;
  constructor(
    readonly inner: Body,
    readonly offset: number,
    end: number,
  ) {
    this.size = end - offset;
    this.id = offset === 0 && end === inner.size ? inner.id : `r:${inner.id}[${offset},${end})`;
  }
  read(start: number, end: number): Buffer {
    return this.inner.read(this.offset + start, this.offset + end);
  }
}

/**
 * The body that parts cut from one body, in order and without gaps, put back together: a multipart copy
 * of a whole object is the same content, so it keeps its identity (and the fake hashes derived from it).
 */
function wholeOf(parts: readonly Body[]): Body | undefined {
  const first = parts[0];
  if (parts.length === 1) return first;
  if (!(first instanceof SliceBody)) return undefined;
  let at = 0;
  for (const p of parts) {
    if (!(p instanceof SliceBody) || p.inner !== first.inner || p.offset !== at) return undefined;
    at += p.size;
  }
  return at === first.inner.size ? first.inner : undefined;
}

export class ConcatBody implements Body {
  readonly id: string;
  readonly size: number;
  private readonly starts: number[] = [];
  constructor(readonly parts: readonly Body[]) {
    let at = 0;
    for (const p of parts) {
      this.starts.push(at);
      at += p.size;
    }
    this.size = at;
    this.id = wholeOf(parts)?.id ?? `c:${md5(parts.map((p) => p.id).join("|"))}`;
  }
  read(start: number, end: number): Buffer {
    const out: Buffer[] = [];
    this.parts.forEach((p, i) => {
      const s = this.starts[i]!;
      const from = Math.max(start, s);
      const to = Math.min(end, s + p.size);
      if (from < to) out.push(p.read(from - s, to - s));
    });
    return Buffer.concat(out);
  }
}

/** MD5 hex of the whole body: real up to MD5_LIMIT, a stable fake derived from the content id above. */
export function md5Of(body: Body): string {
  if (body instanceof SyntheticBody && body.size <= MD5_LIMIT) return body.md5();
  if (body instanceof BytesBody) return md5(body.bytes);
  if (body.size <= MD5_LIMIT) return md5(body.read(0, body.size));
  return md5(`sim-fake-md5:${body.id}`);
}

/**
 * The ETag S3 would give this content as one PUT: the quoted MD5. Content over MD5_LIMIT that was never
 * uploaded (seeded or generated) gets a stable fake in the multipart form `"<md5>-<parts>"` (16 MiB parts),
 * the way such objects usually look on AWS.
 */
export function singlePartEtag(body: Body): string {
  if (body.size <= MD5_LIMIT || body instanceof BytesBody) return `"${md5Of(body)}"`;
  return `"${md5Of(body)}-${Math.ceil(body.size / MD5_LIMIT)}"`;
}

/** `"<md5 of the concatenated binary part MD5s>-<n>"`. */
export function multipartEtag(partEtags: readonly string[]): string {
  const h = createHash("md5");
  for (const e of partEtags) h.update(Buffer.from(e.replace(/"/g, ""), "hex"));
  return `"${h.digest("hex")}-${partEtags.length}"`;
}
