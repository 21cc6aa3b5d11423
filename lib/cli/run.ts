/**
 * `run`: the event pipeline between Teleport and fluentd, with the plugin deciding each event's fate.
 *
 * @module
 */
import { type Command, type CommandArgs, UsageError } from "./command.ts";
import { RUN_DEFAULTS } from "../run/defaults.ts";
import type { RunValue } from "../run/settings.ts";

const STRING_OPTIONS = [
  "plugin",
  "from",
  "to",
  "concurrency",
  "timeout",
  "memory-limit",
  "batch-size",
  "state-dir",
  "on-plugin-error",
  "dead-letter",
  "store",
  "api",
  "identity",
  "metrics",
  "status-interval",
  "tls-cert",
  "tls-key",
  "tls-ca",
  "from-tls-cert",
  "from-tls-key",
  "from-tls-ca",
  "to-tls-cert",
  "to-tls-key",
  "to-tls-ca",
] as const;

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "Run audit events from a source through a plugin to a sink (Teleport -> plugin -> fluentd)",
  usage: "--plugin FILE --from SOURCE --to SINK [options]   (or --config FILE)",
  description: [
    "Reads Teleport audit events (JSON lines), runs each through the plugin's handleEvent, and forwards what",
    "the plugin returns: the original line when unchanged, the re-rendered event when modified, nothing when",
    "dropped. Delivery is at least once: the source position is saved in the state directory only after the",
    "sink acknowledged, so a restart resumes there. SIGINT/SIGTERM deliver the events already read and exit 0.",
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
    plugin: {
      type: "string",
      valueName: "FILE",
      description: "The plugin's WebAssembly (build/production.wasm).",
    },
    "no-plugin": { type: "boolean", description: "Forward without a plugin (JSON in, JSON out)." },
    from: { type: "string", valueName: "SOURCE", description: "stdin, file:PATH or http(s)://HOST:PORT." },
    to: {
      type: "string",
      valueName: "SINK",
      description: "stdout, file:PATH, http(s)://HOST:PORT/TAG or forward://HOST:PORT[?tag=TAG].",
    },
    concurrency: {
      type: "string",
      valueName: "N",
      description: `Plugin instances running at once (default: ${RUN_DEFAULTS.concurrency}).`,
    },
    timeout: {
      type: "string",
      valueName: "DURATION",
      description: `Limit of one plugin call, e.g. 500ms or 2s (default: ${RUN_DEFAULTS.timeout}).`,
    },
    "memory-limit": {
      type: "string",
      valueName: "SIZE",
      description: "Cap of each plugin instance's memory, e.g. 64MiB (default: none).",
    },
    "batch-size": {
      type: "string",
      valueName: "N",
      description: `Events per batch for the plugin pool and the sink (default: ${RUN_DEFAULTS.batchSize}).`,
    },
    "state-dir": {
      type: "string",
      valueName: "DIR",
      description: `Positions, token store, dead letters, dry-run locks (default: ${RUN_DEFAULTS.stateDir}).`,
    },
    "no-follow": {
      type: "boolean",
      description: "File source: stop at the end of the log instead of following it.",
    },
    "on-plugin-error": {
      type: "string",
      valueName: "POLICY",
      description: "forward-original, drop or dead-letter (default: forward-original: audit data is kept).",
    },
    "dead-letter": {
      type: "string",
      valueName: "FILE",
      description:
        "Malformed lines and dead-lettered events, as JSON lines (default: STATE-DIR/dead-letter.jsonl).",
    },
    store: {
      type: "string",
      valueName: "SPEC",
      description: "Token store: memory, kv:PATH or redis://HOST:PORT/DB (default: kv:STATE-DIR/store.kv).",
    },
    api: {
      type: "string",
      valueName: "SPEC",
      description:
        "Where locks go: record, dry-run:FILE or teleport:HOST:PORT (default: dry-run:STATE-DIR/locks.jsonl).",
    },
    identity: {
      type: "string",
      valueName: "FILE",
      description: "Identity file for --api teleport:... (tctl auth sign --format=file).",
    },
    metrics: { type: "string", valueName: "HOST:PORT", description: "Serve Prometheus metrics at /metrics." },
    "status-interval": {
      type: "string",
      valueName: "DURATION",
      description:
        `Status line on stderr every DURATION; 0 turns it off (default: ${RUN_DEFAULTS.statusInterval}).`,
    },
    "tls-cert": {
      type: "string",
      valueName: "FILE",
      description: "Certificate for the receiver and the sink where --from-/--to-tls-cert is not given.",
    },
    "tls-key": { type: "string", valueName: "FILE", description: "Key to go with --tls-cert." },
    "tls-ca": {
      type: "string",
      valueName: "FILE",
      description: "CA for both sides where no per-side CA is given.",
    },
    "from-tls-cert": {
      type: "string",
      valueName: "FILE",
      description: "https:// receiver: server certificate.",
    },
    "from-tls-key": { type: "string", valueName: "FILE", description: "https:// receiver: server key." },
    "from-tls-ca": {
      type: "string",
      valueName: "FILE",
      description: "https:// receiver: CA of client certificates (turns on mutual TLS).",
    },
    "to-tls-cert": {
      type: "string",
      valueName: "FILE",
      description: "Sink: client certificate (mutual TLS).",
    },
    "to-tls-key": { type: "string", valueName: "FILE", description: "Sink: client key." },
    "to-tls-ca": { type: "string", valueName: "FILE", description: "Sink: CA verifying the server." },
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
    const controller = new AbortController();
    using _signals = signals.abortOnSignals(controller);
    const summary = await runEvents(settings, { signal: controller.signal });
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

/** The flags given on the command line, as option values. */
function flagValues(args: CommandArgs): Record<string, RunValue> {
  const values: Record<string, RunValue> = {};
  for (const name of STRING_OPTIONS) {
    const value = args.values[name];
    if (typeof value === "string") values[name] = { value, origin: `--${name}` };
  }
  if (args.values["no-plugin"] === true) values["no-plugin"] = { value: true, origin: "--no-plugin" };
  if (args.values["no-follow"] === true) values.follow = { value: false, origin: "--no-follow" };
  return values;
}
