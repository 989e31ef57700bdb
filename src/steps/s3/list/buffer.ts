/**
 * One key range's listed histories on their way to the consumer, in order: the first chunks in memory,
 * the rest appended to the range's temp file (compact JSON, one chunk per write) and read back when the
 * consumer gets there. A range listed far ahead of the consumer so costs disk, not memory.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import type { KeyHistory } from "./key-history.js";
import type { ListedPage, VersionEntry } from "./list.js";

/** What spilled entries keep of their page: nothing reads it after the listing. */
const SPILLED_PAGE: ListedPage = { index: -1, start: undefined, next: undefined };

type Row = [string, Array<[string, number, number, string, number, string]>];

function encode(chunk: KeyHistory[]): Buffer {
  const rows: Row[] = chunk.map((h) => [
    h.key,
    h.entries.map((e) => [
      e.versionId,
      (e.deleteMarker ? 1 : 0) | (e.isLatest ? 2 : 0),
      e.size,
      e.etag,
      e.lastModified,
      e.storageClass,
    ]),
  ]);
  return Buffer.from(JSON.stringify(rows));
}

function decode(bytes: Buffer): KeyHistory[] {
  return (JSON.parse(bytes.toString("utf8")) as Row[]).map(([key, entries]) => ({
    key,
    entries: entries.map(([versionId, flags, size, etag, lastModified, storageClass]) => ({
      key,
      versionId,
      deleteMarker: (flags & 1) !== 0,
      isLatest: (flags & 2) !== 0,
      size,
      etag,
      lastModified,
      storageClass,
      page: SPILLED_PAGE,
    })) as VersionEntry[],
  }));
}

type Held = { chunk: KeyHistory[] } | { offset: number; length: number };

/** One range's chunks in order: the first few in memory, the rest in its temp file. */
export class RangeBuffer {
  private readonly held: Held[] = [];
  private inMemory = 0;
  private fd: number | undefined;
  private written = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly path: string,
    private readonly memoryChunks: number,
  ) {}

  put(chunk: KeyHistory[]): void {
    if (this.inMemory < this.memoryChunks) {
      this.inMemory++;
      this.held.push({ chunk });
    } else {
      const bytes = encode(chunk);
      this.fd ??= openSync(this.path, "w+");
      writeSync(this.fd, bytes, 0, bytes.length, this.written);
      this.held.push({ offset: this.written, length: bytes.length });
      this.written += bytes.length;
    }
    this.notify();
  }

  end(error?: { error: unknown }): void {
    this.ended = true;
    this.failure ??= error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next chunk, or undefined at the end of the range. */
  async take(): Promise<KeyHistory[] | undefined> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const next = this.held.shift();
      if (next) {
        if ("chunk" in next) {
          this.inMemory--;
          return next.chunk;
        }
        const bytes = Buffer.allocUnsafe(next.length);
        readSync(this.fd!, bytes, 0, next.length, next.offset);
        return decode(bytes);
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }
}
