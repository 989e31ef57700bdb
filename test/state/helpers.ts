import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type NewRun, type NewTask, openStore, type Store, type StoreOptions } from "../../src/state/index.js";

const dirs: string[] = [];
const stores: Store[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-state-"));
  dirs.push(dir);
  return dir;
}

/** Open a store (closed after the test). Pass `path` to open a second connection on the same file. */
export function tempStore(path = join(tempDir(), "nested", "runs.db"), options?: StoreOptions): Store {
  const store = openStore(path, options);
  stores.push(store);
  return store;
}

export function newTasks(n: number, prefix = "t"): NewTask[] {
  return Array.from({ length: n }, (_, i) => ({
    taskId: `${prefix}${i}`,
    seq: i,
    stepId: prefix,
    topStepId: prefix,
    itemKey: `item-${i}`,
    type: "s3.copy",
    accountAlias: "source",
    defHash: `hash-${i}`,
    defJson: { id: `${prefix}${i}`, with: { bucket: "b", n: i } },
  }));
}

export function newRun(id = "run-1", tasks: NewTask[] = newTasks(3)): NewRun {
  return {
    id,
    runbookName: "move-data",
    runbookPath: "/runbooks/move.yaml",
    runbookHash: "abc123",
    runbookText: "version: 1\nname: move-data\n",
    params: { env: "prod" },
    operator: "alice@laptop",
    identities: { source: "arn:aws:sts::111111111111:assumed-role/x/alice" },
    options: { parallel: 4 },
    tasks,
  };
}
