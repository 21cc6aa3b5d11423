/**
 * Options of the execution context pool, their validation and defaults, and loading the plugin bytes.
 *
 * @module
 */
import { isParamType, isResultType } from "../interop/types.ts";
import { WASM_PAGE_SIZE } from "../interop/wasm_binary.ts";
import { type Logger, logger as frameworkLogger } from "../log.ts";
import { PluginLoadError, PoolOptionsError } from "./errors.ts";
import type { Trait } from "./trait.ts";
import { WORKER_BUILTINS } from "./worker_builtins.ts";
import { errorMessage } from "../error_message.ts";

/** Where the plugin comes from: its bytes, a file path, or a `file:`/`http(s):` URL. */
export type PluginSource = Uint8Array | string | URL;

/** A memory limit in bytes (a multiple of 64 KiB) or in 64 KiB pages. */
export type MemoryLimit = { readonly bytes: number } | { readonly pages: number };

/** Options for {@linkcode ExecutionContextPool.create}. */
export interface ExecutionContextPoolOptions<T extends readonly Trait[]> {
  /** The plugin: WebAssembly bytes, a path, or a URL. */
  readonly plugin: PluginSource;
  /** Traits connecting the plugin to the host; their required exports type `execute`. */
  readonly traits: T;
  /** Number of instances (workers) running calls at once. Default 1. */
  readonly concurrency?: number;
  /** Limit of one call in milliseconds; a call running longer is terminated. Default 1000. */
  readonly timeout?: number;
  /** Cap of each instance's memory; growing past it fails the call. Default: none (4 GiB). */
  readonly memoryLimit?: MemoryLimit;
  /** Logger for pool events and plugin traces. Default `logger("pool")`. */
  readonly logger?: Logger;
}

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly memoryLimitPages?: number;
  readonly logger: Logger;
}

const MAX_PAGES = 65536;

function positiveInteger(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new PoolOptionsError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

function memoryLimitPages(limit: MemoryLimit | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if ("pages" in limit) return positiveInteger(limit.pages, "memoryLimit.pages", MAX_PAGES);
  if ("bytes" in limit) {
    const bytes = positiveInteger(limit.bytes, "memoryLimit.bytes", MAX_PAGES * WASM_PAGE_SIZE);
    if (bytes % WASM_PAGE_SIZE !== 0) {
      throw new PoolOptionsError(`memoryLimit.bytes must be a multiple of 65536 (one page), got ${bytes}`);
    }
    return bytes / WASM_PAGE_SIZE;
  }
  throw new PoolOptionsError("memoryLimit must be { bytes: number } or { pages: number }");
}

function checkTrait(trait: Trait, index: number): void {
  const label = `traits[${index}]${typeof trait?.name === "string" ? ` (${trait.name})` : ""}`;
  if (
    typeof trait !== "object" || trait === null || typeof trait.name !== "string" ||
    !Array.isArray(trait.hostFunctions) || typeof trait.requiredExports !== "object"
  ) {
    throw new PoolOptionsError(`${label} is not a trait (name, hostFunctions, requiredExports)`);
  }
  for (const fn of trait.hostFunctions) {
    const where = `${label} host function ${fn.namespace}.${fn.name}`;
    if (!fn.namespace || !fn.name) {
      throw new PoolOptionsError(`${label} has a host function without namespace or name`);
    }
    if (!fn.params.every(isParamType)) throw new PoolOptionsError(`${where} has an unknown parameter type`);
    if (!isResultType(fn.result)) throw new PoolOptionsError(`${where} has an unknown result type`);
    if (fn.kind === "worker" && !(fn.builtin in WORKER_BUILTINS)) {
      throw new PoolOptionsError(`${where} names an unknown worker builtin ${fn.builtin}`);
    }
  }
  for (const [name, signature] of Object.entries(trait.requiredExports)) {
    if (!signature.params.every(isParamType) || !isResultType(signature.result)) {
      throw new PoolOptionsError(`${label} requires export ${name} with an unknown type`);
    }
  }
}

/** Validates the options and applies defaults; throws {@linkcode PoolOptionsError} naming the bad option. */
export function resolveOptions(options: ExecutionContextPoolOptions<readonly Trait[]>): ResolvedOptions {
  if (typeof options !== "object" || options === null) throw new PoolOptionsError("options are required");
  const { plugin } = options;
  if (
    !(plugin instanceof Uint8Array || plugin instanceof URL || (typeof plugin === "string" && plugin !== ""))
  ) {
    throw new PoolOptionsError("plugin must be WebAssembly bytes (Uint8Array), a file path or a URL");
  }
  if (!Array.isArray(options.traits)) throw new PoolOptionsError("traits must be an array of traits");
  options.traits.forEach(checkTrait);
  return {
    concurrency: positiveInteger(options.concurrency ?? 1, "concurrency", 1024),
    timeoutMs: positiveInteger(options.timeout ?? 1000, "timeout"),
    memoryLimitPages: memoryLimitPages(options.memoryLimit),
    logger: options.logger ?? frameworkLogger("pool"),
  };
}

/** Reads the plugin bytes; throws {@linkcode PluginLoadError} naming the path or URL that failed. */
export async function loadPluginBytes(source: PluginSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const url = source instanceof URL ? source : undefined;
  const label = url?.href ?? (source as string);
  try {
    if (url === undefined || url.protocol === "file:") return await Deno.readFile(url ?? (source as string));
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new PluginLoadError(
      `cannot read plugin ${label}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
