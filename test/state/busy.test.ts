/**
 * whileBusy: what the store does when SQLite answers SQLITE_BUSY without its busy handler (switching a
 * fresh file to WAL while another process does): the same call again after a short pause, within a budget;
 * any other error at once.
 */
import { describe, expect, it } from "vitest";
import { whileBusy } from "../../src/state/db.js";

const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

describe("whileBusy", () => {
  it("calls again while SQLite answers BUSY, and returns the first answer that is not", () => {
    let calls = 0;
    const out = whileBusy(() => {
      calls++;
      if (calls < 4) throw busy();
      return "wal";
    }, 2_000);
    expect(out).toBe("wal");
    expect(calls).toBe(4);
  });

  it("gives up after its budget with SQLite's own error", () => {
    const started = Date.now();
    let calls = 0;
    expect(() =>
      whileBusy(() => {
        calls++;
        throw busy();
      }, 150),
    ).toThrow(/database is locked/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toBeGreaterThan(2);
  });

  it("does not retry any other error", () => {
    let calls = 0;
    expect(() =>
      whileBusy(() => {
        calls++;
        throw Object.assign(new Error("file is not a database"), { code: "SQLITE_NOTADB" });
      }, 2_000),
    ).toThrow(/not a database/);
    expect(calls).toBe(1);
  });
});
