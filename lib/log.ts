/**
 * Logging: every module logs through LogTape under the `teleport-plugin-framework` category, and only the
 * program's entry point decides where logs go. Library users configure LogTape themselves.
 *
 * @module
 */
import { configure, getLogger, type LogRecord } from "@logtape/logtape";

/** A log level, from the most verbose to the most severe (LogTape's levels). */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/**
 * The logging methods this framework calls. A LogTape `Logger` has them, so any LogTape logger can be
 * passed where a `Logger` is asked for; messages are LogTape templates (`"started {count} workers"`).
 */
export interface Logger {
  /** Logs at level `debug`. */
  debug(message: string, properties?: Record<string, unknown>): void;
  /** Logs at level `info`. */
  info(message: string, properties?: Record<string, unknown>): void;
  /** Logs at level `warning`. */
  warn(message: string, properties?: Record<string, unknown>): void;
  /** Logs at level `error`. */
  error(message: string, properties?: Record<string, unknown>): void;
}

/** The root category of every logger in this framework. */
export const ROOT_CATEGORY = "teleport-plugin-framework";

/**
 * Returns the logger for a sub-category, e.g. `logger("pool")`.
 *
 * @example
 * ```ts
 * import { logger } from "./log.ts";
 * logger("pool").info("started {count} workers", { count: 2 });
 * ```
 */
export function logger(...category: string[]): Logger {
  return getLogger([ROOT_CATEGORY, ...category]);
}

/** Options for {@linkcode configureLogging}. */
export interface LoggingOptions {
  /** Lowest level printed. Default `info`. */
  level?: LogLevel;
}

/**
 * Sends this framework's logs to stderr. Used by the CLI; safe to call more than once.
 */
export async function configureLogging(options: LoggingOptions = {}): Promise<void> {
  await configure({
    reset: true,
    sinks: {
      stderr: stderrSink,
    },
    loggers: [
      { category: [ROOT_CATEGORY], sinks: ["stderr"], lowestLevel: options.level ?? "info" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
}

const encoder = new TextEncoder();

// Every level goes to stderr: stdout may carry data (the `run` command's `--to stdout` sink).
function stderrSink(record: LogRecord): void {
  const text = record.message.map((part) => typeof part === "string" ? part : formatValue(part)).join("");
  const category = record.category.slice(1).join(".");
  const line = `${record.level.toUpperCase().padEnd(5)} ${category ? `[${category}] ` : ""}${text}\n`;
  const bytes = encoder.encode(line);
  for (let written = 0; written < bytes.length;) written += Deno.stderr.writeSync(bytes.subarray(written));
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
