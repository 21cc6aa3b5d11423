/**
 * The options of `run`, listed once: the command-line flags and the TOML keys are both derived from this table.
 * It loads nothing but the defaults, so `run --help` stays cheap.
 *
 * @module
 */
import { RUN_DEFAULTS } from "./defaults.ts";

/**
 * How an option's value is read: `path` values are file or folder names (relative ones in a config file are
 * resolved against its folder), `value`s are taken as written, `flag`s are booleans.
 */
export type RunOptionKind = "path" | "value" | "flag";

/** One option of `run`. */
export interface RunOption {
  /** Option name: the long flag without dashes and the top-level TOML key. */
  readonly name: string;
  /** How the value is read. */
  readonly kind: RunOptionKind;
  /** Placeholder shown in help, e.g. `FILE` (not for flags). */
  readonly valueName?: string;
  /** One line of help, without the default and the final full stop. */
  readonly description: string;
  /** The default as shown in help, when there is one worth showing. */
  readonly default?: string | number;
  /** A flag that turns the option off on the command line: `--no-NAME` sets it to `false`. */
  readonly negated?: boolean;
  /** The TOML section holding the key instead of the top level (event-handler's `[wasm]`). */
  readonly section?: "wasm";
}

/** Every option of `run`, in help order (`--config` itself is not one: it names where the others come from). */
export const RUN_OPTIONS: readonly RunOption[] = [
  {
    name: "plugin",
    kind: "path",
    valueName: "FILE",
    description: "The plugin's WebAssembly (build/production.wasm)",
    section: "wasm",
  },
  { name: "no-plugin", kind: "flag", description: "Forward without a plugin (JSON in, JSON out)" },
  {
    name: "from",
    kind: "value",
    valueName: "SOURCE",
    description: "stdin, file:PATH or http(s)://HOST:PORT",
  },
  {
    name: "to",
    kind: "value",
    valueName: "SINK",
    description: "stdout, file:PATH, http(s)://HOST:PORT/TAG or forward://HOST:PORT[?tag=TAG]",
  },
  {
    name: "concurrency",
    kind: "value",
    valueName: "N",
    description: "Plugin instances running at once",
    default: RUN_DEFAULTS.concurrency,
    section: "wasm",
  },
  {
    name: "timeout",
    kind: "value",
    valueName: "DURATION",
    description: "Limit of one plugin call, e.g. 500ms or 2s (a bare number is milliseconds)",
    default: RUN_DEFAULTS.timeout,
    section: "wasm",
  },
  {
    name: "memory-limit",
    kind: "value",
    valueName: "SIZE",
    description: "Cap of each plugin instance's memory, e.g. 64MiB",
    default: "none",
    section: "wasm",
  },
  {
    name: "batch-size",
    kind: "value",
    valueName: "N",
    description: "Events per batch for the plugin pool and the sink",
    default: RUN_DEFAULTS.batchSize,
  },
  {
    name: "state-dir",
    kind: "path",
    valueName: "DIR",
    description: "Positions, token store, dead letters, dry-run locks",
    default: RUN_DEFAULTS.stateDir,
  },
  {
    name: "follow",
    kind: "flag",
    negated: true,
    description: "File source: stop at the end of the log instead of following it",
  },
  {
    name: "on-plugin-error",
    kind: "value",
    valueName: "POLICY",
    description: "forward-original, drop or dead-letter",
    default: `${RUN_DEFAULTS.onPluginError}: audit data is kept`,
  },
  {
    name: "dead-letter",
    kind: "path",
    valueName: "FILE",
    description: "Malformed lines and dead-lettered events, as JSON lines",
    default: "STATE-DIR/dead-letter.jsonl",
  },
  {
    name: "store",
    kind: "value",
    valueName: "SPEC",
    description: "Token store: memory, kv:PATH or redis://HOST:PORT/DB",
    default: "kv:STATE-DIR/store.kv",
  },
  {
    name: "api",
    kind: "value",
    valueName: "SPEC",
    description: "Where locks go: record, dry-run:FILE or teleport:HOST:PORT",
    default: "dry-run:STATE-DIR/locks.jsonl",
  },
  {
    name: "identity",
    kind: "path",
    valueName: "FILE",
    description: "Identity file for --api teleport:... (tctl auth sign --format=file)",
  },
  {
    name: "metrics",
    kind: "value",
    valueName: "HOST:PORT",
    description: "Serve Prometheus metrics at /metrics",
  },
  {
    name: "status-interval",
    kind: "value",
    valueName: "DURATION",
    description: "Status line on stderr every DURATION; 0 turns it off",
    default: RUN_DEFAULTS.statusInterval,
  },
  {
    name: "shutdown-timeout",
    kind: "value",
    valueName: "DURATION",
    description: "After SIGINT/SIGTERM, how long to keep delivering the events already read",
    default: RUN_DEFAULTS.shutdownTimeout,
  },
  {
    name: "tls-cert",
    kind: "path",
    valueName: "FILE",
    description: "Certificate for the receiver and the sink where --from-/--to-tls-cert is not given",
  },
  { name: "tls-key", kind: "path", valueName: "FILE", description: "Key to go with --tls-cert" },
  {
    name: "tls-ca",
    kind: "path",
    valueName: "FILE",
    description: "CA for both sides where no per-side CA is given",
  },
  {
    name: "from-tls-cert",
    kind: "path",
    valueName: "FILE",
    description: "https:// receiver: server certificate",
  },
  { name: "from-tls-key", kind: "path", valueName: "FILE", description: "https:// receiver: server key" },
  {
    name: "from-tls-ca",
    kind: "path",
    valueName: "FILE",
    description: "https:// receiver: CA of client certificates (turns on mutual TLS)",
  },
  {
    name: "to-tls-cert",
    kind: "path",
    valueName: "FILE",
    description: "Sink: client certificate (mutual TLS)",
  },
  { name: "to-tls-key", kind: "path", valueName: "FILE", description: "Sink: client key" },
  { name: "to-tls-ca", kind: "path", valueName: "FILE", description: "Sink: CA verifying the server" },
];

/** The command-line flag of an option: its name, or `no-NAME` for options a flag turns off. */
export function runOptionFlag(option: RunOption): string {
  return option.negated ? `no-${option.name}` : option.name;
}

/** The help line of an option: its description, then its default when it has one. */
export function runOptionHelp(option: RunOption): string {
  return option.default === undefined
    ? `${option.description}.`
    : `${option.description} (default: ${option.default}).`;
}
