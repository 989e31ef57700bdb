import { type SimulatorHandle, type SimulatorOptions, startSimulator } from "./start.js";

export interface SimProcessOptions {
  port: number;
  host: string;
  seed?: string;
  speed?: number;
}

/** `--port 0 --seed world.yaml --speed 600 [--host 127.0.0.1]`, as `hikkoshi sim` and `main.ts` take them. */
export function parseSimArgs(
  argv: readonly string[],
): { ok: true; options: SimProcessOptions } | { ok: false; message: string } {
  const options: SimProcessOptions = { port: 0, host: "127.0.0.1" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) return { ok: false, message: `${flag} needs a value` };
    switch (flag) {
      case "--port":
      case "--speed": {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) return { ok: false, message: `${flag} must be a number >= 0, got ${value}` };
        if (flag === "--port") options.port = n;
        else options.speed = n;
        break;
      }
      case "--seed":
        options.seed = value;
        break;
      case "--host":
        options.host = value;
        break;
      default:
        return { ok: false, message: `unknown option ${flag} (expected --port, --seed, --speed, --host)` };
    }
  }
  return { ok: true, options };
}

/**
 * Start the simulator for a long-running process and print how to use it. The FIRST line is exactly
 * `hikkoshi-sim listening on http://127.0.0.1:<port>`: wrappers and crash tests read the port from it.
 */
export async function runSimulatorProcess(
  options: SimProcessOptions,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<SimulatorHandle> {
  const start: SimulatorOptions = { port: options.port, host: options.host, seed: options.seed, speed: options.speed };
  const handle = await startSimulator(start);
  const accounts = Object.entries(handle.dump().accounts);
  const region = accounts.flatMap(([, a]) => Object.keys(a.regions))[0] ?? "ap-northeast-1";
  const example = accounts[0]?.[0] ?? "111111111111";
  write(`hikkoshi-sim listening on ${handle.url}`);
  write(`  export AWS_ENDPOINT_URL=${handle.url}`);
  write(`  export AWS_REGION=${region}`);
  write("  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true");
  write(
    `  export AWS_ACCESS_KEY_ID=AKSIM${example} AWS_SECRET_ACCESS_KEY=sim   # AKSIM + 12-digit account id, any secret`,
  );
  for (const [id, account] of accounts) write(`  account ${id}${account.name ? ` (${account.name})` : ""}`);
  write(`  control: ${handle.url}/_sim/world  /_sim/stats  /_sim/faults  /_sim/clock  /_sim/reset`);
  return handle;
}
