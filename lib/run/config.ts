/**
 * The TOML configuration of `run`. Its layout follows Teleport event-handler's, so an existing
 * `teleport-event-handler.toml` with a `[wasm]` section mostly works as it is:
 *
 * ```toml
 * storage = "/var/lib/teleport-plugin"   # state directory (--state-dir)
 * batch = 500                             # events per batch (--batch-size)
 * from = "file:/var/lib/teleport/log"     # our own keys have the long flags' names
 *
 * [forward.fluentd]                       # the sink: --to URL, --to-tls-cert/-key/-ca
 * url = "https://fluentd.example.com:8888/teleport.audit"
 * cert = "client.crt"
 * key = "client.key"
 * ca = "ca.crt"
 *
 * [teleport]                              # the Teleport API for upsertLock: --api teleport:ADDR --identity FILE
 * addr = "teleport.example.com:3025"
 * identity = "identity"
 *
 * [wasm]                                  # as in event-handler's wasm branch
 * plugin = "build/production.wasm"
 * timeout = "2s"
 * concurrency = 4
 * memory-limit = "64MiB"
 * ```
 *
 * Event-handler keys that have no meaning here (session forwarding, its own polling) are ignored with a warning;
 * any other unknown key is an error naming it. Relative paths in the file are relative to the file's folder.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { parse, TomlError } from "smol-toml";
import { logger } from "../log.ts";
import { RUN_OPTIONS } from "./options.ts";
import { RunSettingsError, type RunValue, type RunValues } from "./settings.ts";

const log = logger("run");

/** Top-level keys: the options' names, except those event-handler keeps in a section. */
const TOP_LEVEL_KEYS = new Set(
  RUN_OPTIONS.filter((option) => option.section === undefined).map((o) => o.name),
);

/** Options whose values are paths (resolved against the config file's folder). */
const PATH_OPTIONS = new Set(RUN_OPTIONS.filter((option) => option.kind === "path").map((o) => o.name));

/** Event-handler keys without an equivalent here, by section (`""` is the top level). */
const IGNORED_EVENT_HANDLER_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": [
    "timeout",
    "concurrency",
    "types",
    "skip-event-types",
    "skip-session-types",
    "start-time",
    "dry-run",
    "debug",
    "cursor",
    "window-size",
    "namespace",
    "exit-on-last-event",
    "lock-enabled",
    "lock-failed-attempts-count",
    "lock-period",
    "lock-for",
    "wasm-handle-event",
  ],
  "forward.fluentd": ["session-url"],
  "teleport": ["refresh", "ca", "cert", "key"],
  "wasm": ["handle-event"],
  // Event-handler's own auto-lock (a plugin does the locking here).
  "lock": ["enabled", "period", "for", "failed-attempts-count"],
};

/** `[section] key` -> option name. */
const SECTION_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "wasm": Object.fromEntries(
    RUN_OPTIONS.filter((option) => option.section === "wasm").map((option) => [option.name, option.name]),
  ),
  "forward.fluentd": { url: "to", cert: "to-tls-cert", key: "to-tls-key", ca: "to-tls-ca" },
  "teleport": { addr: "api", identity: "identity" },
};

/**
 * Reads a TOML config file into option values (see the module documentation for the keys).
 *
 * @example
 * ```ts ignore
 * import { loadRunConfig } from "./config.ts";
 * const values = await loadRunConfig("teleport-plugin.toml");
 * values.timeout; // { value: "2s", origin: "[wasm] timeout in teleport-plugin.toml" }
 * ```
 * @throws {RunSettingsError} when the file cannot be read or parsed, or has an unknown key or a wrong type.
 */
export async function loadRunConfig(path: string): Promise<Record<string, RunValue>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new RunSettingsError(`--config ${path}: ${(error as Error).message}`);
  }
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    const detail = error instanceof TomlError ? `line ${error.line}: ${error.message.split("\n")[0]}` : error;
    throw new RunSettingsError(`--config ${path}: not valid TOML: ${detail}`);
  }
  return configValues(document, path);
}

/** Maps a parsed config document to option values; `path` names the file in messages and anchors relative paths. */
export function configValues(document: Record<string, unknown>, path: string): Record<string, RunValue> {
  const values: Record<string, RunValue> = {};
  const base = dirname(path);
  const set = (option: string, value: unknown, origin: string) => {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new RunSettingsError(`${origin} must be a string, number or boolean`);
    }
    // Two keys for one setting (to and [forward.fluentd] url, storage and state-dir...): neither may win silently.
    const earlier = values[option];
    if (earlier !== undefined) {
      throw new RunSettingsError(`${earlier.origin} and ${origin} both set --${option}: keep one of them`);
    }
    values[option] = { value: typeof value === "string" ? relativeTo(base, option, value) : value, origin };
  };
  const ignore = (section: string, key: string) =>
    log.warn("{file}: {key} has no meaning for run and is ignored", {
      file: path,
      key: section === "" ? key : `[${section}] ${key}`,
    });

  for (const [key, value] of Object.entries(document)) {
    const origin = `${key} in ${path}`;
    if (TOP_LEVEL_KEYS.has(key)) {
      set(key, value, origin);
    } else if (key === "storage") {
      set("state-dir", value, origin);
    } else if (key === "batch") {
      set("batch-size", value, origin);
    } else if (IGNORED_EVENT_HANDLER_KEYS[""].includes(key)) {
      ignore("", key);
    } else if (key === "wasm" || key === "teleport" || key === "lock") {
      readSection(key, value, set, ignore, path);
    } else if (key.startsWith("wasm-") && SECTION_KEYS.wasm[key.slice("wasm-".length)] !== undefined) {
      // Event-handler also reads `[wasm] plugin` as the flat key `wasm-plugin`.
      set(SECTION_KEYS.wasm[key.slice("wasm-".length)], value, origin);
    } else if (key === "forward" && isTable(value)) {
      for (const [inner, table] of Object.entries(value)) {
        if (inner !== "fluentd") throw new RunSettingsError(`[forward.${inner}] in ${path}: unknown section`);
        readSection("forward.fluentd", table, set, ignore, path);
      }
    } else {
      throw new RunSettingsError(`${key} in ${path}: unknown key`);
    }
  }
  const api = values.api;
  if (api && api.origin.startsWith("[teleport]") && typeof api.value === "string") {
    values.api = { ...api, value: `teleport:${api.value}` };
  }
  return values;
}

function readSection(
  section: string,
  table: unknown,
  set: (option: string, value: unknown, origin: string) => void,
  ignore: (section: string, key: string) => void,
  path: string,
): void {
  if (!isTable(table)) throw new RunSettingsError(`[${section}] in ${path}: must be a table`);
  for (const [key, value] of Object.entries(table)) {
    const option = SECTION_KEYS[section]?.[key];
    if (option !== undefined) set(option, value, `[${section}] ${key} in ${path}`);
    else if (IGNORED_EVENT_HANDLER_KEYS[section]?.includes(key)) ignore(section, key);
    else throw new RunSettingsError(`[${section}] ${key} in ${path}: unknown key`);
  }
}

/** Paths in the file, and the paths inside `file:`, `kv:` and `dry-run:` specs, are relative to its folder. */
function relativeTo(base: string, option: string, value: string): string {
  if (PATH_OPTIONS.has(option)) return isAbsolute(value) ? value : join(base, value);
  const prefix = SPEC_PATH_PREFIXES.find((p) => value.startsWith(p));
  if (prefix === undefined) return value;
  const rest = value.slice(prefix.length);
  return rest === "" || isAbsolute(rest) || rest.startsWith("//") ? value : prefix + join(base, rest);
}

const SPEC_PATH_PREFIXES = ["file:", "kv:", "dry-run:"];

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Merges option values; later sources win (flags over the config file). */
export function mergeRunValues(...sources: RunValues[]): RunValues {
  return Object.assign({}, ...sources.map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v))));
}
