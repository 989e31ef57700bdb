// Shared by the benchmarks that run a simulator and measured children as processes (not a benchmark).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export function mb(bytes) {
  return Math.round(bytes / 1e6).toLocaleString("en-US");
}

/** The built simulator on a free port with `seedFile`, clock stopped. */
export function startSim(seedFile) {
  const proc = spawn(
    process.execPath,
    [join(root, "dist/sim/main.js"), "--port", "0", "--seed", seedFile, "--speed", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.once("line", (first) => {
      const url = /listening on (\S+)/.exec(first)?.[1];
      if (!url) reject(new Error(`simulator said: ${first}`));
      else resolve({ url, pid: proc.pid, stop: () => proc.kill("SIGTERM") });
    });
    proc.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/**
 * `node <script> child <method> <url> <out>` with a heap of `heapMb`; resolves with the child's last
 * JSON line, or an error saying how far it got (its last `{progress, rss}` line) when it died.
 */
export function runChild(script, m, url, out, { heapMb = 1024, quiet = false } = {}) {
  const args = [`--max-old-space-size=${heapMb}`, script, "child", m, url, out];
  const proc = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", quiet ? "ignore" : "inherit"],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  let text = "";
  const started = Date.now();
  proc.stdout.on("data", (d) => {
    text += d;
  });
  return new Promise((resolve) => {
    proc.once("exit", (code) => {
      let last = {};
      try {
        last = JSON.parse(text.trim().split("\n").pop() || "{}");
      } catch {
        // a cut line: the child died mid-write
      }
      if (last.entries !== undefined || last.error !== undefined) return resolve(last);
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const listed =
        last.progress === undefined
          ? ""
          : `; it had listed ${last.progress.toLocaleString("en-US")} entries, RSS ${mb(last.rss)} MB`;
      resolve({ error: `exit code ${code} after ${seconds} s${listed} (heap ${heapMb} MB)` });
    });
  });
}
