import { runSimulatorProcess } from "../../sim/index.js";
import type { CliIO } from "../io.js";

export async function simCommand(
  _io: CliIO,
  opts: { port?: string; seed?: string; speed?: string; host?: string },
): Promise<number> {
  await runSimulatorProcess({
    ...(opts.port === undefined ? {} : { port: Number(opts.port) }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.speed === undefined ? {} : { speed: Number(opts.speed) }),
    ...(opts.host === undefined ? {} : { host: opts.host }),
  });
  return 0;
}
