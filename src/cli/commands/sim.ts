import { runSimulatorProcess } from "../../sim/index.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "../io.js";

/** Runs until SIGINT/SIGTERM; the first line printed says where it listens. */
export async function simCommand(
  io: CliIO,
  opts: { port?: string; seed?: string; speed?: string; host?: string },
): Promise<number> {
  const handle = await runSimulatorProcess(
    {
      port: Number(opts.port ?? 0),
      host: opts.host ?? "127.0.0.1",
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.speed === undefined ? {} : { speed: Number(opts.speed) }),
    },
    io.out,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await handle.close();
  return EXIT.OK;
}
