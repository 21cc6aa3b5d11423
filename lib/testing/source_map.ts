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
  lookup(offset: number): SourcePosition | undefined {
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
   * Where a failure with the stack `offsets` (innermost frame first) happened: the innermost frame in the
   * plugin's own sources (not AssemblyScript's standard library, `~lib/...`, nor one of `ignoredSources`)
   * and, when the failure was raised deeper inside the standard library, the innermost library frame.
   * Without a frame of its own, the innermost mapped frame. `undefined` when the map covers no frame.
   */
  locate(offsets: readonly number[], ignoredSources: readonly string[] = []): FailureSite | undefined {
    const positions = offsets
      .map((offset) => this.lookup(offset))
      .filter((p) => p !== undefined && !ignoredSources.includes(p.source)) as SourcePosition[];
    const own = positions.findIndex((p) => !isLibrarySource(p.source));
    if (own < 0) return positions.length > 0 ? { location: formatPosition(positions[0]) } : undefined;
    if (own === 0) return { location: formatPosition(positions[0]) };
    return { location: formatPosition(positions[own]), libraryLocation: formatPosition(positions[0]) };
  }
}

/** A position in the AssemblyScript sources; line and column are 1-based. */
export interface SourcePosition {
  /** The source file as the compiler names it, e.g. `assembly/index.ts` or `~lib/map.ts`. */
  source: string;
  /** Line (1-based). */
  line: number;
  /** Column (1-based). */
  column: number;
}

/** Where a failure happened, as {@linkcode SourceMapIndex.locate} finds it. */
export interface FailureSite {
  /** `file:line:column` of the innermost frame in the plugin's own sources (or of the innermost frame). */
  location: string;
  /** `file:line:column` in AssemblyScript's standard library, when the failure was raised there. */
  libraryLocation?: string;
}

/** Whether `source` is a file of AssemblyScript's standard library (`~lib/...`). */
export function isLibrarySource(source: string): boolean {
  return source.startsWith("~lib/");
}

/** Renders a position as `file:line:column`. */
export function formatPosition(position: SourcePosition): string {
  return `${position.source}:${position.line}:${position.column}`;
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
