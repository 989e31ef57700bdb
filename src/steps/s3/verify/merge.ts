/**
 * Two listings walked side by side, one key at a time (`listKeyHistories`: keys ascending, each key's
 * whole history): memory holds one page and one key per side. Each side reads ahead, so the two buckets
 * are listed concurrently.
 */
import type { KeyHistory } from "../list/key-history.js";
import { compareKeys, type VersionEntry } from "../list/list.js";

export interface KeyPair {
  key: string;
  source: VersionEntry[];
  destination: VersionEntry[];
}

/** Keeps the next group's promise in flight while the consumer works on the current one. */
function readAhead<T>(it: AsyncIterator<T>): () => Promise<IteratorResult<T>> {
  // A read-ahead that fails after the consumer stopped must not become an unhandled rejection; the
  // consumer still sees the error when it awaits that read.
  const guard = (p: Promise<IteratorResult<T>>) => {
    p.catch(() => undefined);
    return p;
  };
  let pending = guard(it.next());
  return () => {
    const current = pending;
    pending = guard(current.then((r) => (r.done ? r : it.next())));
    return current;
  };
}

export async function* mergeByKey(
  source: AsyncIterable<KeyHistory>,
  destination: AsyncIterable<KeyHistory>,
): AsyncGenerator<KeyPair> {
  const nextA = readAhead(source[Symbol.asyncIterator]());
  const nextB = readAhead(destination[Symbol.asyncIterator]());
  let a = await nextA();
  let b = await nextB();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
    if (order === 0 && !a.done && !b.done) {
      yield { key: a.value.key, source: a.value.entries, destination: b.value.entries };
      a = await nextA();
      b = await nextB();
    } else if (order < 0 && !a.done) {
      yield { key: a.value.key, source: a.value.entries, destination: [] };
      a = await nextA();
    } else if (!b.done) {
      yield { key: b.value.key, source: [], destination: b.value.entries };
      b = await nextB();
    }
  }
}
