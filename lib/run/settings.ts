/**
 * The settings of `run`, validated up front: every value is checked before anything is opened, and a bad one
 * fails with one line naming where it came from (`--timeout` or `[wasm] timeout in teleport.toml`).
 *
 * Values are collected as {@linkcode RunValue}s by option name (the long flag without dashes), from the command
 * line and from a TOML file (see `config.ts`); flags override the file.
 *
 * @module
 */
import { join } from "node:path";
import {
  parseListenAddress,
  parseSinkSpec,
  parseSourceSpec,
  PipelineSpecError,
  type SinkSpec,
  type SourceSpec,
  type TlsFiles,
} from "../pipeline/spec.ts";
import { PROCESSOR_ERROR_POLICIES, type ProcessorErrorPolicy } from "../pipeline/types.ts";
import { parseTokenStoreSpec } from "../store/open.ts";
import { parseTeleportClientSpec, type TeleportClientSpec } from "../api/open.ts";
import { RUN_DEFAULTS } from "./defaults.ts";
import { MEMORY_SIZE_FORMS, parseMemorySize } from "../memory_size.ts";

/** One option value and where it came from, for error messages. */
export interface RunValue {
  /** A string, a number (TOML) or a boolean. */
  readonly value: string | number | boolean;
  /** `--flag` or `[section] key in FILE`. */
  readonly origin: string;
}

/** Option values by option name, e.g. `{ timeout: { value: "2s", origin: "--timeout" } }`. */
export type RunValues = Readonly<Record<string, RunValue | undefined>>;

/** A setting that cannot be used; the message names the flag or config key and the value. */
export class RunSettingsError extends Error {
  /** Creates the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "RunSettingsError";
  }
}

/** Everything `run` needs, validated. */
export interface RunSettings {
  /** The plugin's `.wasm` file; `undefined` with `--no-plugin` (JSON in, JSON out). */
  plugin?: string;
  /** Where events come from (`--from`). */
  source: SourceSpec;
  /** Where events go (`--to`). */
  sink: SinkSpec;
  /** Plugin instances running at once. */
  concurrency: number;
  /** Limit of one plugin call in milliseconds. */
  timeoutMs: number;
  /** Cap of each plugin instance's memory in bytes (a multiple of 64 KiB), if any. */
  memoryLimitBytes?: number;
  /** Largest batch of events handed to the plugin pool and the sink. */
  batchSize: number;
  /** Where positions, the default token store, dead letters and dry-run locks live. */
  stateDir: string;
  /** Where {@linkcode RunSettings.stateDir} came from, for messages: `--state-dir`, `storage in FILE`. */
  stateDirOrigin: string;
  /** File source: keep following the log at its end (`false`: stop at the end). */
  follow: boolean;
  /** What happens to an event whose plugin call failed. */
  onPluginError: ProcessorErrorPolicy;
  /** Dead-letter file (malformed lines, and failed events under the `dead-letter` policy). */
  deadLetter: string;
  /** Token store spec: `memory`, `kv:PATH` or `redis://...`. */
  store: string;
  /** Teleport API the plugin's `upsertLock` goes to. */
  api: TeleportClientSpec;
  /** Identity file for `teleport:HOST:PORT`. */
  identity?: string;
  /** Address of the Prometheus metrics endpoint, if any. */
  metrics?: { hostname: string; port: number };
  /** TLS files of an `https://` receiver. */
  sourceTls: TlsFiles;
  /** TLS files of an HTTPS or Forward-over-TLS sink. */
  sinkTls: TlsFiles;
  /** Interval of the status line in milliseconds; 0 turns it off. */
  statusIntervalMs: number;
  /** After a stop, how long delivering the events already read may take, in milliseconds. */
  shutdownTimeoutMs: number;
}

/** Resolves and validates `values`; throws {@linkcode RunSettingsError} on the first unusable one. */
export function resolveRunSettings(values: RunValues): RunSettings {
  const noPlugin = bool(values, "no-plugin") ?? false;
  const plugin = str(values, "plugin");
  if (noPlugin && plugin !== undefined) {
    throw new RunSettingsError(
      `${values.plugin!.origin} and ${values["no-plugin"]!.origin} exclude each other`,
    );
  }
  if (!noPlugin && plugin === undefined) {
    throw new RunSettingsError(
      "no plugin: give --plugin FILE (or [wasm] plugin in the config), or --no-plugin",
    );
  }
  const from = required(values, "from", "stdin, file:PATH or http(s)://HOST:PORT");
  const to = required(values, "to", "stdout, file:PATH, http(s)://HOST:PORT/TAG or forward://HOST:PORT");
  const stateDir = str(values, "state-dir") ?? RUN_DEFAULTS.stateDir;
  const api = str(values, "api") ?? `dry-run:${join(stateDir, "locks.jsonl")}`;
  const identity = str(values, "identity");
  const apiSpec = spec(values, "api", api, parseTeleportClientSpec);
  if (apiSpec.kind === "teleport" && identity === undefined) {
    throw new RunSettingsError(
      `${values.api?.origin ?? "--api"} ${api}: the Teleport API needs --identity FILE (from tctl auth sign)`,
    );
  }
  const store = str(values, "store") ?? `kv:${join(stateDir, "store.kv")}`;
  spec(values, "store", store, parseTokenStoreSpec);
  const policy = str(values, "on-plugin-error") ?? RUN_DEFAULTS.onPluginError;
  if (!(PROCESSOR_ERROR_POLICIES as readonly string[]).includes(policy)) {
    throw new RunSettingsError(
      `${values["on-plugin-error"]!.origin} ${policy}: expected one of ${
        PROCESSOR_ERROR_POLICIES.join(", ")
      }`,
    );
  }
  const metrics = str(values, "metrics");
  const memoryLimit = values["memory-limit"];
  const source = spec(values, "from", from, (v) => parseSourceSpec(v, values.from!.origin));
  const sink = spec(values, "to", to, (v) => parseSinkSpec(v, values.to!.origin));
  const sourceTls = tlsFiles(values, "from");
  const sinkTls = tlsFiles(values, "to");
  if (source.kind === "http" && source.tls && (sourceTls.cert === undefined || sourceTls.key === undefined)) {
    throw new RunSettingsError(
      `${values.from!.origin} ${from}: an https:// receiver needs --from-tls-cert and --from-tls-key`,
    );
  }
  if ((sinkTls.cert === undefined) !== (sinkTls.key === undefined)) {
    throw new RunSettingsError(
      "--to-tls-cert and --to-tls-key (client certificate and key) must be given together",
    );
  }
  return {
    plugin,
    source,
    sink,
    concurrency: integer(values, "concurrency", RUN_DEFAULTS.concurrency, 1, 1024),
    timeoutMs: duration(values, "timeout", RUN_DEFAULTS.timeout, 1),
    memoryLimitBytes: memoryLimit === undefined ? undefined : byteSize(memoryLimit),
    batchSize: integer(values, "batch-size", RUN_DEFAULTS.batchSize, 1, 100_000),
    stateDir,
    stateDirOrigin: values["state-dir"]?.origin ?? "--state-dir (default)",
    follow: bool(values, "follow") ?? true,
    onPluginError: policy as ProcessorErrorPolicy,
    deadLetter: str(values, "dead-letter") ?? join(stateDir, "dead-letter.jsonl"),
    store,
    api: apiSpec,
    identity,
    metrics: metrics === undefined
      ? undefined
      : spec(values, "metrics", metrics, (v) => parseListenAddress(v, values.metrics!.origin)),
    sourceTls,
    sinkTls,
    statusIntervalMs: duration(values, "status-interval", RUN_DEFAULTS.statusInterval, 0),
    shutdownTimeoutMs: duration(values, "shutdown-timeout", RUN_DEFAULTS.shutdownTimeout, 0),
  };
}

function str(values: RunValues, name: string): string | undefined {
  const entry = values[name];
  if (entry === undefined) return undefined;
  if (typeof entry.value !== "string" || entry.value === "") {
    throw new RunSettingsError(
      `${entry.origin} must be a non-empty string, got ${JSON.stringify(entry.value)}`,
    );
  }
  return entry.value;
}

function bool(values: RunValues, name: string): boolean | undefined {
  const entry = values[name];
  if (entry === undefined) return undefined;
  if (typeof entry.value !== "boolean") {
    throw new RunSettingsError(`${entry.origin} must be true or false, got ${JSON.stringify(entry.value)}`);
  }
  return entry.value;
}

function required(values: RunValues, name: string, forms: string): string {
  const value = str(values, name);
  if (value === undefined) throw new RunSettingsError(`--${name} is required (${forms})`);
  return value;
}

/** Runs a spec parser, turning its error into one naming the option's origin. */
function spec<T>(values: RunValues, name: string, value: string, parse: (value: string) => T): T {
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof PipelineSpecError) throw new RunSettingsError(error.message);
    const origin = values[name]?.origin ?? `--${name} (default)`;
    throw new RunSettingsError(`${origin}: ${(error as Error).message}`);
  }
}

function integer(values: RunValues, name: string, fallback: number, min: number, max: number): number {
  const entry = values[name];
  if (entry === undefined) return fallback;
  const value = typeof entry.value === "string" && /^\d+$/.test(entry.value)
    ? Number(entry.value)
    : entry.value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RunSettingsError(
      `${entry.origin} must be an integer from ${min} to ${max}, got ${JSON.stringify(entry.value)}`,
    );
  }
  return value;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
/** The longest duration a timer can wait (2^31 - 1 ms, about 24.8 days). */
const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * A duration in milliseconds: a number of milliseconds, or Go-style text as event-handler's TOML has it
 * (`500ms`, `2s`, `1.5s`, `1m`).
 */
function duration(values: RunValues, name: string, fallback: string, min: number): number {
  const entry = values[name] ?? { value: fallback, origin: `--${name}` };
  const text = String(entry.value).trim();
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  const millis = match ? Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "ms"]) : NaN;
  if (!(millis >= min && millis <= MAX_DURATION_MS) || typeof entry.value === "boolean") {
    throw new RunSettingsError(
      `${entry.origin} must be a duration such as 500ms, 2s or 1m (a bare number is milliseconds)` +
        `${min > 0 ? ", above zero" : ""}, at most ${MAX_DURATION_MS} ms; got ${JSON.stringify(entry.value)}`,
    );
  }
  return millis;
}

/** A memory size in bytes: `67108864`, `64MiB`, `65536KiB`, `1GiB`; a multiple of 64 KiB, at most 4 GiB. */
function byteSize(entry: RunValue): number {
  const bytes = typeof entry.value === "boolean" ? undefined : parseMemorySize(String(entry.value));
  if (bytes === undefined) {
    throw new RunSettingsError(
      `${entry.origin} must be ${MEMORY_SIZE_FORMS}, got ${JSON.stringify(entry.value)}`,
    );
  }
  return bytes;
}

/** `--from-tls-cert` etc., falling back to the shared `--tls-cert` etc. */
function tlsFiles(values: RunValues, side: "from" | "to"): TlsFiles {
  const pick = (part: "cert" | "key" | "ca") =>
    str(values, `${side}-tls-${part}`) ?? str(values, `tls-${part}`);
  return { cert: pick("cert"), key: pick("key"), ca: pick("ca") };
}
