#!/usr/bin/env node
// Live-view benchmark: `hikkoshi demo --full` on a terminal (listr2 live view) against the same demo piped
// (plain lines). Target: the terminal run's wall time within 1.2x the piped one; the output bytes per second
// a terminal receives are reported. Prints figures, asserts nothing, but fails (exit 1) when a demo does not
// exit 0 or the terminal run did not draw the live view (the pseudo-terminal was not detected).
// It runs bin/hikkoshi.js, i.e. dist/: run `npm run build` first (`npm run bench` does). Each demo takes
// one to three minutes. The terminal is util-linux `script` (a pty, 120x50, TERM=xterm-256color); its
// output, piped here, is byte for byte what a terminal would receive. Piped and terminal runs alternate so
// that machine load weighs on both. Options: --runs N (N of each, default 1); --quick runs the small
// `demo` (without --full), a smoke check of a few seconds.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/hikkoshi.js");
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 1;
const TARGET = 1.2;
const COLS = 120;
const ROWS = 50;
const RUN_STARTS = "Step 2 — the run:";
const RUN_ENDS = "The simulator's world after the run";
const line = (label, value) => console.log(`${label.padEnd(58)} ${value}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const perSecond = (bytes, ms) => (ms > 0 ? `${kb((bytes / ms) * 1000)}/s` : "n/a");

if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: node bench/live-view.mjs [--quick] [--runs N]");
  process.exit(2);
}
if (!existsSync(join(root, "dist/cli/main.js"))) {
  console.error("live-view: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
const version = spawnSync("script", ["--version"], { encoding: "utf8" });
if (version.error || !/util-linux/.test(version.stdout ?? "")) {
  console.warn("live-view skipped: util-linux `script` is not installed (it provides the pseudo-terminal)");
  process.exit(0);
}

// The same environment for both: no CI (it turns the live view off), a terminal type listr2 draws on.
const env = { ...process.env, TERM: "xterm-256color", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
for (const k of ["CI", "NO_COLOR", "FORCE_COLOR", "LISTR_FORCE_TTY", "COLUMNS", "LINES"]) delete env[k];

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const demoArgs = (state) => ["demo", ...(quick ? [] : ["--full"]), "--state", state];

/** One demo as a child; resolves with its exit code, wall time and every stdout chunk with its arrival time. */
function runDemo(mode) {
  const dir = mkdtempSync(join(tmpdir(), "hikkoshi-bench-live-"));
  const state = join(dir, "x.db");
  const [cmd, args] =
    mode === "piped"
      ? [process.execPath, [bin, ...demoArgs(state)]]
      : [
          "script",
          [
            "-q",
            "-e",
            "-E",
            "never",
            "-c",
            `stty cols ${COLS} rows ${ROWS}; exec ${[process.execPath, bin, ...demoArgs(state)].map(quote).join(" ")}`,
            "/dev/null",
          ],
        ];
  const t0 = performance.now();
  // stdin stays an open pipe nobody writes to: a terminal where nobody types.
  const proc = spawn(cmd, args, { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
  const chunks = [];
  const errChunks = [];
  proc.stdout.on("data", (buf) => chunks.push({ at: performance.now() - t0, buf }));
  proc.stderr.on("data", (buf) => errChunks.push({ at: performance.now() - t0, buf }));
  return new Promise((resolve) => {
    proc.once("error", (error) => resolve({ mode, code: null, error, wall: 0, chunks, errChunks }));
    proc.once("close", (code, signal) => {
      const wall = performance.now() - t0;
      rmSync(dir, { recursive: true, force: true });
      resolve({ mode, code, signal, wall, chunks, errChunks });
    });
    proc.stdin.on("error", () => {});
  });
}

const CSI = "\x1b[";
const withoutEscapes = (text) =>
  text
    .split(CSI)
    .map((p, i) => (i === 0 ? p : p.replace(/^[0-9;?]*[A-Za-z]/, "")))
    .join("");

/** Rows of the tallest redraw: listr2 erases the previous frame with "2K 1A" pairs, one per row. */
function tallestFrame(csi) {
  let tallest = 0;
  let ups = 0;
  for (const p of csi) {
    if (p === "1A") ups++;
    else if (p !== "2K") ups = 0;
    tallest = Math.max(tallest, ups);
  }
  return tallest + 1;
}

/** When (ms from start) the byte at `offset` arrived. */
function arrival(chunks, offset) {
  let seen = 0;
  for (const c of chunks) {
    seen += c.buf.length;
    if (offset < seen) return c.at;
  }
  return chunks.at(-1)?.at ?? 0;
}

function analyse(r) {
  const out = Buffer.concat(r.chunks.map((c) => c.buf));
  const err = Buffer.concat(r.errChunks.map((c) => c.buf));
  const text = out.toString("utf8");
  const count = (re) => (text.match(re) ?? []).length;
  // What follows each CSI escape (ESC [): "1A" moves the cursor up a line, "2K" erases one.
  const csi = text.split(CSI).slice(1);
  const start = out.indexOf(RUN_STARTS);
  const end = out.indexOf(RUN_ENDS);
  const run =
    start >= 0 && end > start
      ? { bytes: end - start, ms: arrival(r.chunks, end) - arrival(r.chunks, start) }
      : { bytes: 0, ms: 0 };
  return {
    bytes: out.length,
    errBytes: err.length,
    lines: count(/\n/g) + (err.toString("utf8").match(/\n/g) ?? []).length,
    run,
    frames: count(/done ·/g),
    cursorUps: csi.filter((p) => /^\d*A/.test(p)).length,
    eraseLines: csi.filter((p) => p.startsWith("2K")).length,
    escapes: csi.length,
    tallest: tallestFrame(csi),
    plainLines: count(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /gm),
    tail: withoutEscapes(text + err.toString("utf8")).slice(-1500),
  };
}

console.log(
  `demo${quick ? "" : " --full"}: ${runs} piped and ${runs} terminal run(s), alternating; terminal = util-linux script, ${COLS}x${ROWS}`,
);
const results = { piped: [], pty: [] };
let failed = false;
for (let i = 0; i < runs; i++) {
  for (const mode of ["piped", "pty"]) {
    const r = await runDemo(mode);
    const a = analyse(r);
    results[mode].push({ ...r, ...a });
    const name = `${mode === "pty" ? "terminal" : "piped"} #${i + 1}`;
    if (r.error || r.code !== 0) {
      failed = true;
      const why = r.error ? `could not start: ${r.error.message}` : `exit ${r.code ?? r.signal}`;
      console.log(`\nFAILED: ${name} ${why}; the end of its output:\n${a.tail}\n`);
    }
    line(`${name}: wall time, exit code`, `${seconds(r.wall)}, exit ${r.code ?? r.signal}`);
    line(`${name}: output bytes (stdout${mode === "pty" ? " of the pty" : ""})`, `${kb(a.bytes)}`);
    line(`${name}: output bytes/s over the whole demo`, perSecond(a.bytes, r.wall));
    line(`${name}: the run only ("Step 2" to the world summary)`, `${kb(a.run.bytes)} in ${seconds(a.run.ms)}`);
    line(`${name}: the run only, bytes/s`, perSecond(a.run.bytes, a.run.ms));
    if (mode === "piped") {
      line(`${name}: lines (stdout + stderr), stderr bytes`, `${a.lines}, ${a.errBytes}`);
      continue;
    }
    line(
      `${name}: frames drawn (header lines "… done ·")`,
      a.frames ? `${a.frames}, ${kb(a.run.bytes / a.frames)} per frame` : "0",
    );
    line(`${name}: tallest frame in rows (terminal: ${ROWS})`, a.frames ? a.tallest : "n/a");
    line(`${name}: cursor-up / erase-line / all CSI escapes`, `${a.cursorUps} / ${a.eraseLines} / ${a.escapes}`);
    if (a.frames === 0 || a.cursorUps === 0) {
      failed = true;
      console.log(
        `\nFAILED: ${name} did not draw the live view (${a.frames} header frames, ${a.cursorUps} cursor-up escapes, ` +
          `${a.plainLines} plain timestamped lines): the pseudo-terminal was not detected. The end of its output:\n${a.tail}\n`,
      );
    } else if (a.plainLines > 0) line(`${name}: plain timestamped lines (expected 0)`, a.plainLines);
  }
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const piped = mean(results.piped.map((r) => r.wall));
const pty = mean(results.pty.map((r) => r.wall));
console.log("");
line("piped wall time (baseline), mean", seconds(piped));
line("terminal wall time, mean", seconds(pty));
line(
  `ratio terminal / piped (target <= ${TARGET})`,
  `${(pty / piped).toFixed(2)}${pty / piped <= TARGET ? "" : "  (over target)"}`,
);
line(
  "bytes/s a terminal receives, mean (piped baseline)",
  `${perSecond(mean(results.pty.map((r) => r.bytes)), pty)} (${perSecond(mean(results.piped.map((r) => r.bytes)), piped)})`,
);
if (failed) {
  console.log("live-view: FAILED (see above)");
  process.exitCode = 1;
}
