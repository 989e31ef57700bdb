/**
 * `node dist/sim/main.js --port 0 --seed world.yaml --speed 600`: the simulator as its own process (crash
 * tests kill the client, not this). SIGTERM/SIGINT close the listener and let the process end.
 */
import { errorMessage } from "../core/errors.js";
import { parseSimArgs, runSimulatorProcess } from "./process.js";

const args = parseSimArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`hikkoshi-sim: ${args.message}\n`);
  process.exitCode = 2;
} else {
  runSimulatorProcess(args.options).then(
    (handle) => {
      const stop = () => {
        handle.close().then(
          () => undefined,
          (err: unknown) => {
            process.stderr.write(`hikkoshi-sim: close failed: ${errorMessage(err)}\n`);
            process.exitCode = 1;
          },
        );
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    },
    (err: unknown) => {
      process.stderr.write(`hikkoshi-sim: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}
