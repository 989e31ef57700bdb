/**
 * Bounded-concurrency work over an ordered stream (manifest rows) with a resumable position: items
 * finish in any order, the watermark is the end offset of the longest finished prefix. Dispatch never
 * runs more than `window` items ahead of the watermark, so after a crash at most `window` items past
 * the last checkpoint may have been done already: the caller re-checks those instead of redoing them.
 */

export interface PoolItem {
  /** Position just after this item (e.g. the byte offset after its CSV line). */
  end: number;
}

export interface PoolOptions<T extends PoolItem> {
  concurrency: number;
  window: number;
  worker(item: T): Promise<void>;
  /** The finished prefix grew: `count` items done in all, resume at `end`. */
  onAdvance(count: number, end: number): void;
  signal?: AbortSignal;
}

export async function orderedPool<T extends PoolItem>(items: AsyncIterable<T>, o: PoolOptions<T>): Promise<number> {
  const inflight = new Set<Promise<void>>();
  const finished = new Set<number>();
  const ends = new Map<number, number>();
  let next = 0;
  let watermark = 0;
  let failure: { error: unknown } | undefined;

  const settle = (seq: number) => {
    finished.add(seq);
    if (seq !== watermark) return;
    let end = 0;
    while (finished.has(watermark)) {
      finished.delete(watermark);
      end = ends.get(watermark) ?? end;
      ends.delete(watermark);
      watermark++;
    }
    o.onAdvance(watermark, end);
  };

  for await (const item of items) {
    while (!failure && (inflight.size >= o.concurrency || next - watermark >= o.window)) {
      await Promise.race(inflight);
    }
    if (failure) break;
    o.signal?.throwIfAborted();
    const seq = next++;
    ends.set(seq, item.end);
    const job: Promise<void> = o.worker(item).then(
      () => settle(seq),
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = job.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }
  await Promise.all(inflight);
  if (failure) throw failure.error;
  return watermark;
}
