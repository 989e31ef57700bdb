/**
 * Append-only temp files (one flat directory) with bounded buffers: each file being written has a
 * fixed-size byte chunk; rows are encoded into it at once (so no row string outlives its call and the
 * strings it came from can die young), a full chunk is appended to its file, and when the chunks
 * together pass a limit all are written and released — memory stays flat however many rows and files.
 * `sizes()` after `flush()` is a checkpoint; `restore` truncates the files back to one after a crash.
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
} from "node:fs";
import { join } from "node:path";

const DEFAULT_LIMIT = 8 * 1024 * 1024;
const CHUNK = 64 * 1024;

interface Chunk {
  bytes: Buffer;
  used: number;
}

export class Spill {
  private readonly chunks = new Map<string, Chunk>();
  private readonly sizes_ = new Map<string, number>();

  constructor(
    readonly dir: string,
    private readonly limit = DEFAULT_LIMIT,
  ) {}

  /** Start empty: whatever an earlier attempt left in `dir` goes. */
  static fresh(dir: string, limit?: number): Spill {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return new Spill(dir, limit);
  }

  /**
   * Back to a checkpoint: every recorded file is cut to its recorded size, files created after it are
   * removed. Undefined when a file is missing or shorter than recorded (another machine, tmp cleaned).
   */
  static restore(dir: string, sizes: Record<string, number>, limit?: number): Spill | undefined {
    for (const [name, size] of Object.entries(sizes)) {
      const path = join(dir, name);
      if (!existsSync(path) || statSync(path).size < size) return undefined;
    }
    for (const name of listFiles(dir)) {
      const size = sizes[name];
      if (size === undefined) rmSync(join(dir, name), { force: true });
      else truncateSync(join(dir, name), size);
    }
    mkdirSync(dir, { recursive: true });
    const spill = new Spill(dir, limit);
    for (const [name, size] of Object.entries(sizes)) spill.sizes_.set(name, size);
    return spill;
  }

  write(name: string, text: string): void {
    let chunk = this.chunks.get(name);
    if (!chunk) {
      if ((this.chunks.size + 1) * CHUNK > this.limit) this.flush();
      chunk = { bytes: Buffer.allocUnsafe(CHUNK), used: 0 };
      this.chunks.set(name, chunk);
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (chunk.used + text.length * 3 > CHUNK) {
      this.append(name, chunk.bytes.subarray(0, chunk.used));
      chunk.used = 0;
      if (text.length * 3 > CHUNK) {
        this.append(name, Buffer.from(text));
        return;
      }
    }
    chunk.used += chunk.bytes.write(text, chunk.used);
  }

  private append(name: string, bytes: Buffer): void {
    if (bytes.length === 0) return;
    appendFileSync(join(this.dir, name), bytes);
    this.sizes_.set(name, (this.sizes_.get(name) ?? 0) + bytes.length);
  }

  /** Writes every buffered row and releases the chunks. */
  flush(): void {
    for (const [name, chunk] of this.chunks) this.append(name, chunk.bytes.subarray(0, chunk.used));
    this.chunks.clear();
  }

  /** `to` becomes a copy of `from` as written so far (buffered rows included). */
  copy(from: string, to: string): void {
    this.flush();
    const size = this.sizes_.get(from) ?? 0;
    if (size === 0) return;
    copyFileSync(this.path(from), this.path(to));
    this.sizes_.set(to, size);
  }

  /** Bytes on disk per file (call `flush` first for a checkpoint). */
  sizes(): Record<string, number> {
    return Object.fromEntries(this.sizes_);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir);
}
