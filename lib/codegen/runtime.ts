/**
 * The AssemblyScript protobuf runtime that generated classes import, embedded as text so that generating
 * code never reads the framework's source tree (it also works from a compiled binary or a remote import).
 *
 * @module
 */
import source from "./assembly/runtime.ts" with { type: "text" };

/** The runtime module's name in the output folder, without `.ts`. */
export const RUNTIME_MODULE = "protobuf-runtime";

/** The runtime's AssemblyScript source. */
export const RUNTIME_SOURCE: string = source;

/**
 * The names the runtime exports (`Message`, `Reader`, `varintSize`, ...): generated modules import them, so
 * no generated type or namespace may be called the same.
 */
export const RUNTIME_EXPORTS: ReadonlySet<string> = new Set(
  [...source.matchAll(
    /^(?:@\w+\s+)?export\s+(?:abstract\s+)?(?:class|function|namespace|const|enum)\s+([\w$]+)/gm,
  )]
    .map((m) => m[1]),
);
