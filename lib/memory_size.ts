/**
 * Plugin memory limits as people write them on a command line or in a config file: `64MiB`, `1GiB`,
 * `65536KiB` or a number of bytes; a whole number of WebAssembly pages (64 KiB), at most 4 GiB.
 *
 * @module
 */

/** How a memory size is written, for help texts and error messages. */
export const MEMORY_SIZE_FORMS = "a size such as 64MiB or 1GiB (a multiple of 64KiB, at most 4GiB)";

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
const WASM_PAGE = 65536;
const MAX_BYTES = 4 * 1024 ** 3;

/**
 * The number of bytes `text` names, or `undefined` when it is not {@linkcode MEMORY_SIZE_FORMS}.
 *
 * @example
 * ```ts
 * import { parseMemorySize } from "./memory_size.ts";
 * parseMemorySize("64MiB"); // 67108864
 * parseMemorySize("1000"); // undefined: not a whole number of pages
 * ```
 */
export function parseMemorySize(text: string): number | undefined {
  const match = /^(\d+)\s*(|kib|mib|gib)$/i.exec(text.trim());
  const bytes = match ? Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()] : NaN;
  return bytes > 0 && bytes % WASM_PAGE === 0 && bytes <= MAX_BYTES ? bytes : undefined;
}
