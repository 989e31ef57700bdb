/**
 * The `hikkoshi` command line. Parses arguments, runs one command, formats errors, returns an exit code.
 * Nothing below the CLI calls process.exit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { HikkoshiError } from "../core/errors.js";
import { EXIT, exitCodeForError } from "./exit-codes.js";

// Commands load on demand: `status` should not pay for the AWS SDK and the simulator at start-up.
const commands = {
  approve: () => import("./commands/approve.js"),
  demo: () => import("./commands/demo.js"),
  discover: () => import("./commands/discover.js"),
  log: () => import("./commands/log.js"),
  plan: () => import("./commands/plan.js"),
  policy: () => import("./commands/policy.js"),
  report: () => import("./commands/report.js"),
  run: () => import("./commands/run.js"),
  schema: () => import("./commands/schema.js"),
  sim: () => import("./commands/sim.js"),
  status: () => import("./commands/status.js"),
  validate: () => import("./commands/validate.js"),
};

import { formatError } from "./format.js";
import { type CliIO, processIO } from "./io.js";
import { packageRoot } from "./package-root.js";

const EXIT_CODES_HELP = `
Exit codes:
  0 success · 1 unexpected error · 2 invalid runbook or usage · 3 precondition failed (plan, account guard,
  plan drift) · 4 a task failed · 5 waiting for approval · 6 run locked by another process ·
  7 destructive step needs confirmation · 8 the state file cannot be used (not a file, unreadable, damaged,
  another program's or newer) · 9 credentials expired mid-run (parked: log in, resume) · 130 interrupted.
  plan --detailed-exitcode: 0 nothing to do, 2 changes, 3 blocked`;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(io: CliIO, setCode: (code: number) => void): Command {
  const program = new Command("hikkoshi")
    .description("Move data between AWS accounts with validated, planned, checkpointed and resumable runbooks.")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--state <path>", "state file (default: $HIKKOSHI_STATE or state/hikkoshi.db)")
    .option("--endpoint <url>", "send every AWS call to this endpoint (simulator, LocalStack)")
    .addHelpText("after", EXIT_CODES_HELP)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const run =
    <A extends unknown[]>(fn: (...args: A) => number | Promise<number>) =>
    async (...args: A) =>
      setCode(await fn(...args));
  const globals = (cmd: Command) => cmd.optsWithGlobals();

  program
    .command("validate <file>")
    .description("check a runbook and report every problem with file:line:col")
    .option("--param <k=v>", "override a param (repeatable)", collect)
    .addHelpText("after", "\nExample:\n  hikkoshi validate runbooks/staging-rds.yaml")
    .action(
      run((file: string, _o: unknown, cmd: Command) =>
        commands.validate().then((m) => m.validateCommand(io, file, globals(cmd))),
      ),
    );

  program
    .command("plan <file>")
    .description("read-only dry run: what each task would do, where, and what already fails")
    .option("--json", "print the plan as JSON (stable format hikkoshi-plan/1)")
    .option("--out <file>", "save the plan for `run --plan`")
    .option("--detail", "also every task's detail: action, danger tier, estimates, each warning and hint")
    .option("--detailed-exitcode", "exit 0 when nothing would change, 2 when something would, 3 when blocked")
    .option("--param <k=v>", "override a param (repeatable)", collect)
    .addHelpText("after", "\nExample:\n  hikkoshi plan runbooks/staging-rds.yaml --out plan.json")
    .action(
      run((file: string, _o: unknown, cmd: Command) =>
        commands.plan().then((m) => m.planCommand(io, file, globals(cmd))),
      ),
    );

  const driveOptions = (cmd: Command) =>
    cmd
      .option("--yes", "confirm destructive tasks without asking")
      .option("--step", "ask before each task: run, skip or quit")
      .option("--parallel <n>", "tasks at once (default 4)")
      .option("--json", "NDJSON events instead of the display")
      .option(
        "--notify <target>",
        "tell a webhook (https://…, Slack-compatible) or an SNS topic (sns:<topic ARN>) about approvals, confirmations, failures, long waits and the run's end (repeatable)",
        collect,
      )
      .addOption(new Option("--poll-ms <ms>", "poll interval override for long waits").hideHelp())
      .addOption(
        new Option("--render <mode>", "display: auto, plain, listr, json").choices(["auto", "plain", "listr", "json"]),
      );

  driveOptions(
    program
      .command("run <file>")
      .description("validate, plan (preflight), then run the runbook as checkpointed tasks")
      .option("--plan <file>", "apply exactly this saved plan; refuse if the runbook or AWS changed since")
      .option("--param <k=v>", "override a param (repeatable)", collect)
      .option(
        "--abandon <run>",
        "start the migration over: record this unfinished run of it as abandoned (by you, now)",
      ),
  )
    .addHelpText("after", "\nExample:\n  hikkoshi run runbooks/staging-rds.yaml --plan plan.json --parallel 4")
    .action(
      run((file: string, _o: unknown, cmd: Command) =>
        commands.run().then((m) => m.runCommand(io, file, globals(cmd))),
      ),
    );

  driveOptions(
    program
      .command("resume [run]")
      .description("continue a run (default: the latest) after a crash, a failure or an approval")
      .option("--force-unlock", "take the run's lock even if its holder looks alive"),
  )
    .addHelpText("after", "\nExample:\n  hikkoshi resume k3f9x2")
    .action(
      run((runId: string | undefined, _o: unknown, cmd: Command) =>
        commands.run().then((m) => m.resumeCommand(io, runId, globals(cmd))),
      ),
    );

  program
    .command("status [run]")
    .description("a run's state and every task: status, attempts, time, outputs, last error")
    .option("--json", "machine-readable")
    .option("--all", "list every task (by default a step whose tasks all succeeded is one line)")
    .addHelpText("after", "\nExample:\n  hikkoshi status --json")
    .action(
      run((runId: string | undefined, _o: unknown, cmd: Command) =>
        commands.status().then((m) => m.statusCommand(io, runId, globals(cmd))),
      ),
    );

  program
    .command("runs")
    .description("list runs in the state file")
    .option("--json", "machine-readable")
    .addHelpText("after", "\nExample:\n  hikkoshi runs")
    .action(run((_o: unknown, cmd: Command) => commands.status().then((m) => m.runsCommand(io, globals(cmd)))));

  program
    .command("approve <run> <task>")
    .description("approve (or --reject) a manual step")
    .option("--reject", "reject instead: the task fails")
    .addHelpText("after", "\nExample:\n  hikkoshi approve k3f9x2 freeze && hikkoshi resume k3f9x2")
    .action(
      run((runId: string, task: string, _o: unknown, cmd: Command) =>
        commands.approve().then((m) => m.approveCommand(io, runId, task, globals(cmd))),
      ),
    );

  program
    .command("log [run]")
    .description("the journal: every AWS change (who, when, account, action, resource, outcome), approvals")
    .option("--json", "NDJSON")
    .option("--all", "include task state transitions")
    .addHelpText("after", "\nExample:\n  hikkoshi log --json > review.ndjson")
    .action(
      run((runId: string | undefined, _o: unknown, cmd: Command) =>
        commands.log().then((m) => m.logCommand(io, runId, globals(cmd))),
      ),
    );

  program
    .command("report [run]")
    .description("the night on one page: a self-contained HTML file (or markdown) of a run, from the state file")
    .option("--out <file>", "write it here (default: stdout); .md and .json pick the format")
    .option("--format <html|md|json>", "html (default), md for a ticket, json for the report's data")
    .addHelpText(
      "after",
      "\nExamples:\n  hikkoshi report --out night.html\n  hikkoshi report 20261206-ab12 --format md > night.md",
    )
    .action(
      run((runId: string | undefined, o: { out?: string; format?: string }, cmd: Command) =>
        commands.report().then((m) => m.reportCommand(io, runId, { ...globals(cmd), ...o })),
      ),
    );

  program
    .command("policy <file>")
    .description("least-privilege IAM policies the runbook needs, per account (no AWS call), as JSON or Terraform")
    .option("--out-dir <dir>", "write one JSON file per document and a .tf file there")
    .option("--format <json|terraform>", "stdout format without --out-dir (default json)")
    .option("--param <k=v>", "override a param (repeatable)", collect)
    .option(
      "--notify <target>",
      "the run's --notify targets: sns:<topic ARN> adds sns:Publish on it for the topic's account (repeatable)",
      collect,
    )
    .addHelpText("after", "\nExample:\n  hikkoshi policy runbooks/demo-split.yaml --out-dir policies/")
    .action(
      run((file: string, _o: unknown, cmd: Command) =>
        commands.policy().then((m) => m.policyCommand(io, file, globals(cmd))),
      ),
    );

  program
    .command("discover")
    .description("inventory an account (read-only) and write a runbook draft that moves what it found")
    .option(
      "--account <alias[=profile|role ARN]>",
      "source (required) and target; default credentials when bare",
      collect,
    )
    .option("--region <name>", "the region to inventory (default: $AWS_REGION)")
    .option(
      "--filter <tag:Key=Value>",
      "keep resources with this tag (repeatable: all must match; Value * = any)",
      collect,
    )
    .option("--name-like <glob>", "keep resources whose id or name matches (repeatable: any may match)", collect)
    .option("--out <file>", "write the runbook draft here (never overwrites)")
    .option("--json", "the inventory as JSON (format hikkoshi-inventory/1)")
    .option("--list-limit <n>", "versions listed per bucket at most (default 100000)")
    .addHelpText(
      "after",
      "\nExample:\n  hikkoshi discover --account source=prod-admin --region ap-northeast-1 --filter tag:env=staging \\\n    --out runbooks/split-staging.yaml",
    )
    .action(run((_o: unknown, cmd: Command) => commands.discover().then((m) => m.discoverCommand(io, globals(cmd)))));

  program
    .command("schema")
    .description("JSON Schema of the runbook format (derived from the step types), or with --plan of the plan format")
    .option("--plan", "the JSON Schema of `plan --json` (format hikkoshi-plan/1)")
    .addHelpText(
      "after",
      "\nExample:\n  hikkoshi schema > runbook.schema.json   # then: # yaml-language-server: $schema=runbook.schema.json",
    )
    .action(
      run((opts: { plan?: boolean }) =>
        commands.schema().then((m) => m.schemaCommand(io, { plan: opts.plan === true })),
      ),
    );

  program
    .command("sim")
    .description("run the local AWS simulator (STS, KMS, RDS, EC2, S3, S3 Control, SNS, DynamoDB) on loopback")
    .option("--port <n>", "port (0 = pick a free one)", "4566")
    .option("--seed <file>", "world to start from (YAML)")
    .option("--speed <n>", "virtual seconds per real second")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .addHelpText("after", "\nExample:\n  hikkoshi sim --port 0 --seed runbooks/sim/demo-world.yaml --speed 600")
    .action(run((o: Record<string, string>) => commands.sim().then((m) => m.simCommand(io, o))));

  program
    .command("demo")
    .description("run the RDS move on the built-in simulator, end to end")
    .option("--full", "the whole night: RDS and 29 S3 buckets moved with their names kept (runbooks/demo-split.yaml)")
    .option("--json", "NDJSON events")
    .option("--speed <n>", "virtual clock speed", "7200")
    .option("--parallel <n>", "tasks at once", "4")
    .addHelpText("after", "\nExample:\n  hikkoshi demo && hikkoshi status   # in a fresh checkout: npm run demo")
    .action(run((_o: unknown, cmd: Command) => commands.demo().then((m) => m.demoCommand(io, globals(cmd)))));

  return program;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      return thrown.exitCode === 0 ? EXIT.OK : EXIT.VALIDATION;
    }
    // The one place every error ends: a HikkoshiError with its exit code, anything else as a bug (exit 1).
    const err = await stateFileProblem(io, program, thrown);
    io.err(formatError(err, { debug: io.env.HIKKOSHI_DEBUG === "1" }));
    return err instanceof HikkoshiError ? exitCodeForError(err.code) : EXIT.UNEXPECTED;
  }
}

/** For bin/hikkoshi.js: an error that escaped every await (an event handler, a stray promise). */
export function escapedError(err: unknown, env: NodeJS.ProcessEnv): { text: string; code: number } {
  return {
    text: formatError(err, { debug: env.HIKKOSHI_DEBUG === "1" }),
    code: err instanceof HikkoshiError ? exitCodeForError(err.code) : EXIT.UNEXPECTED,
  };
}

/** SQLite errors come only from the state file: a damaged one may show only when a command reads it. */
async function stateFileProblem(io: CliIO, program: Command, err: unknown): Promise<unknown> {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return err;
  const { stateFileError, statePath } = await import("./state-file.js");
  return stateFileError(statePath(io, program.opts()), err) ?? err;
}
