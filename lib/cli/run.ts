/**
 * `run`: the event pipeline between Teleport and fluentd, with the plugin deciding each event's fate.
 *
 * @module
 */
import { type Command, type CommandArgs, type OptionSpec, UsageError } from "./command.ts";
import { RUN_OPTIONS, type RunOption, runOptionFlag, runOptionHelp } from "../run/options.ts";
import type { RunValue } from "../run/settings.ts";

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "Run audit events from a source through a plugin to a sink (Teleport -> plugin -> fluentd)",
  usage: "--plugin FILE --from SOURCE --to SINK [options]   (or --config FILE)",
  description: [
    "Reads Teleport audit events (JSON lines), runs each through the plugin's handleEvent, and forwards what",
    "the plugin returns: the original line when unchanged, the re-rendered event when modified, nothing when",
    "dropped. Delivery is at least once: the source position is saved in the state directory only after the",
    "sink acknowledged, so a restart resumes there. SIGINT/SIGTERM deliver the events already read and exit 0;",
    "a second SIGINT/SIGTERM, or --shutdown-timeout passing, stops at once and exits 1: what was not",
    "delivered is read again on restart. One run at a time uses a state directory (it holds STATE-DIR/run.lock).",
    "",
    "Durations (--timeout, --status-interval, --shutdown-timeout) take a unit: 500ms, 2s, 1m, 1h; a bare number is milliseconds.",
    "",
    "Sources: file:PATH (Teleport's file audit log: a directory of *.log files, or one file), stdin,",
    "http(s)://HOST:PORT (a fluentd-compatible receiver event-handler can post to).",
    "Sinks: stdout, file:PATH, http(s)://HOST:PORT/TAG (fluentd HTTP), forward://HOST:PORT[?tag=TAG] (Forward).",
    "",
    "A TOML --config takes event-handler's layout: [wasm] plugin/timeout/concurrency/memory-limit,",
    "[forward.fluentd] url/cert/key/ca, [teleport] addr/identity, storage, batch, and the long flag names",
    '(e.g. from = "file:/var/lib/teleport/log"). Flags override the file.',
  ].join("\n"),
  options: {
    config: {
      type: "string",
      valueName: "FILE",
      description: "TOML configuration (event-handler's layout).",
    },
    ...Object.fromEntries(RUN_OPTIONS.map((option) => [runOptionFlag(option), optionSpec(option)])),
  },
  async run(args) {
    if (args.positionals.length > 0) {
      throw new UsageError(
        `unexpected argument '${args.positionals[0]}'`,
        "sources and sinks are given with --from and --to",
      );
    }
    // Loaded here, not at start-up: other commands need neither the pipeline nor the pool and clients.
    const [
      { loadRunConfig, mergeRunValues },
      { resolveRunSettings, RunSettingsError },
      { runEvents },
      signals,
    ] = await Promise.all([
      import("../run/config.ts"),
      import("../run/settings.ts"),
      import("../run/run.ts"),
      import("../pipeline/signals.ts"),
    ]);
    let settings;
    try {
      const config = typeof args.values.config === "string" ? await loadRunConfig(args.values.config) : {};
      settings = resolveRunSettings(mergeRunValues(config, flagValues(args)));
    } catch (error) {
      if (error instanceof RunSettingsError) {
        throw new UsageError(error.message, `see '${args.program} run --help'`);
      }
      throw error;
    }
    const stop = new AbortController();
    const force = new AbortController();
    using _signals = signals.abortOnSignals(stop, force);
    const summary = await runEvents(settings, { signal: stop.signal, force: force.signal });
    if (settings.plugin !== undefined) {
      const where = settings.api.kind === "dry-run" ? ` (written to ${settings.api.path})` : "";
      console.error(`locks requested by the plugin: ${summary.locksRequested}${where}`);
    }
    if (summary.abandoned) {
      console.error(
        "error: stopped before every event read was delivered; they will be read again on restart",
      );
      return 1;
    }
    return 0;
  },
};

/** The command-line form of a `run` option. */
function optionSpec(option: RunOption): OptionSpec {
  const description = runOptionHelp(option);
  return option.kind === "flag"
    ? { type: "boolean", description }
    : { type: "string", valueName: option.valueName, description };
}

/** The flags given on the command line, as option values. */
function flagValues(args: CommandArgs): Record<string, RunValue> {
  const values: Record<string, RunValue> = {};
  for (const option of RUN_OPTIONS) {
    const flag = runOptionFlag(option);
    const value = args.values[flag];
    const origin = `--${flag}`;
    if (option.kind !== "flag" && typeof value === "string") values[option.name] = { value, origin };
    if (option.kind === "flag" && value === true) values[option.name] = { value: !option.negated, origin };
  }
  return values;
}
