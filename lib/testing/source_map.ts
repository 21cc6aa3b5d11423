/**
 * Maps WebAssembly code offsets back to AssemblyScript source lines with the source map of a debug build.
 * WebAssembly source maps use one generated line whose columns are byte offsets into the module, the
 * offsets engine stack frames show (`wasm-function[12]:0x1a2b`).
 *
 * @module
 */

interface Mapping {
  offset: number;
  source: number;
  line: number;
  column: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A parsed source map, searchable by code offset. */
export class SourceMapIndex {
  readonly #json: string;
  #sources: string[] = [];
  #mappings: Mapping[] | undefined;

  /** Keeps source map JSON text (version 3); it is parsed on the first lookup, as most runs need none. */
  constructor(json: string) {
    this.#json = json;
  }

  #parsed(): Mapping[] {
    if (this.#mappings === undefined) {
      const map = JSON.parse(this.#json) as { sources?: string[]; mappings?: string };
      this.#sources = map.sources ?? [];
      this.#mappings = decodeMappings(map.mappings ?? "");
    }
    return this.#mappings;
  }

  /** The source position of code offset `offset`, or `undefined` when the map does not cover it. */
  lookup(offset: number): { source: string; line: number; column: number } | undefined {
    const mappings = this.#parsed();
    let low = 0;
    let high = mappings.length - 1;
    let found: Mapping | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (mappings[mid].offset <= offset) {
        found = mappings[mid];
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (!found) return undefined;
    return { source: this.#sources[found.source] ?? "?", line: found.line + 1, column: found.column + 1 };
  }

  /**
   * Returns `file:line:column` of the innermost of `offsets` (innermost frame first) that lies in the
   * plugin's own sources (not AssemblyScript's standard library, `~lib/...`), or of the innermost mapped
   * one otherwise.
   */
  locate(offsets: readonly number[]): string | undefined {
    const positions = offsets.map((offset) => this.lookup(offset)).filter((p) => p !== undefined);
    const chosen = positions.find((p) => !p.source.startsWith("~lib/")) ?? positions[0];
    return chosen && `${chosen.source}:${chosen.line}:${chosen.column}`;
  }
}

function decodeMappings(mappings: string): Mapping[] {
  const out: Mapping[] = [];
  const state = [0, 0, 0, 0];
  // Wasm maps have a single generated line; a `;` would only reset the generated column.
  for (const line of mappings.split(";")) {
    state[0] = 0;
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const fields = decodeVlq(segment);
      for (let i = 0; i < fields.length && i < 4; i++) state[i] += fields[i];
      if (fields.length >= 4) {
        out.push({ offset: state[0], source: state[1], line: state[2], column: state[3] });
      }
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new SyntaxError(`invalid base64 VLQ character '${char}' in source map`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
