/** Where the CLI writes. Tests pass buffers; the binary passes process streams. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal a person watches (and CI is not set). */
  isTTY: boolean;
  /** True when stdin can answer questions. */
  canPrompt: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIO(): CliIO {
  const ci = Boolean(process.env.CI);
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    isTTY: Boolean(process.stdout.isTTY) && !ci,
    canPrompt: Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY) && !ci,
    env: process.env,
    cwd: process.cwd(),
  };
}
