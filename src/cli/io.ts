/** Where the CLI writes. Tests pass buffers; the binary passes process streams. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal a person watches (and CI is not set). */
  isTTY: boolean;
  /** True when stdin can answer questions. */
  canPrompt: boolean;
  /** The terminal's width, when stdout is one. */
  columns?: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A reader that went away (`hikkoshi log --json | head -1`, a pager quit early) ends us quietly. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

export function processIO(): CliIO {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const ci = Boolean(process.env.CI);
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    isTTY: Boolean(process.stdout.isTTY) && !ci,
    canPrompt: Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY) && !ci,
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
    env: process.env,
    cwd: process.cwd(),
  };
}
