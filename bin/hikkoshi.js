#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled into dist/bundle/ by `npm ci` (the `prepare` script).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// A stack is shown only with HIKKOSHI_DEBUG=1; then it should name src/ files and lines, not the bundle's.
// Off otherwise: Node would read every chunk's source map at start-up.
if (process.env.HIKKOSHI_DEBUG === "1") process.setSourceMapsEnabled(true);
let cli;
try {
  cli = await import("../dist/bundle/main.js");
} catch (err) {
  process.stderr.write(`hikkoshi cannot start: ${String(err?.message ?? err).split("\n")[0]}\n`);
  process.stderr.write("  hint: build it first: npm ci (or npm run build)\n");
  process.exit(1);
}
// main() answers every error it awaits; these catch what escapes it (an event handler, a stray promise),
// the same way: one line and what to do, never a stack trace unless HIKKOSHI_DEBUG=1.
const escaped = (err) => {
  const { text, code } = cli.escapedError(err, process.env);
  process.stderr.write(`${text}\n`);
  process.exit(code);
};
process.on("uncaughtException", escaped);
process.on("unhandledRejection", escaped);
process.exitCode = await cli.main(process.argv);
