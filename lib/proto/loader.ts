/**
 * Loads `.proto` files into a protobufjs `Root` without protoc and without protobufjs's own file access:
 * imports are resolved through a {@linkcode ProtoSource}, so the same code loads the bundled schema (embedded
 * in the program) and a user's folders (`--proto-path`).
 *
 * Names keep their case (`keepCase`), comments are kept for generated code, and unknown options such as
 * `(gogoproto.jsontag)` stay on the reflection objects as strings.
 *
 * @module
 */
import protobuf from "protobufjs";
import { join } from "node:path";
import { errorMessage } from "../error_message.ts";

/** Reads a `.proto` file by its import path (e.g. `google/protobuf/timestamp.proto`); `null` when absent. */
export interface ProtoSource {
  /** The file's text, or `null` when this source does not have it. */
  read(importPath: string): string | null;
  /** Describes where files are looked up, for error messages. */
  describe(): string;
}

/** Thrown when a file cannot be found or parsed; the message names the file (and line, from protobufjs). */
export class ProtoLoadError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "ProtoLoadError";
  }
}

/** A source backed by an in-memory map of import path to text. */
export function memorySource(files: Readonly<Record<string, string>>, label = "bundled schema"): ProtoSource {
  return {
    read: (path) => files[path] ?? null,
    describe: () => label,
  };
}

/** A source that searches folders in order, like protoc's `--proto_path`. Needs read permission on them. */
export function directorySource(protoPaths: readonly string[]): ProtoSource {
  return {
    read(path) {
      for (const dir of protoPaths) {
        try {
          return Deno.readTextFileSync(join(dir, path));
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound) && !(e instanceof Deno.errors.IsADirectory)) throw e;
        }
      }
      return null;
    },
    describe: () => `proto paths ${protoPaths.map((p) => `'${p}'`).join(", ")}`,
  };
}

/** Tries each source in turn; the first that has a file wins. */
export function chainSources(...sources: ProtoSource[]): ProtoSource {
  return {
    read(path) {
      for (const source of sources) {
        const text = source.read(path);
        if (text !== null) return text;
      }
      return null;
    },
    describe: () => sources.map((s) => s.describe()).join(", then "),
  };
}

/** Options for {@linkcode loadProtoRoot}. */
export interface LoadOptions {
  /**
   * Import paths to skip silently when no source has them (their options are still kept as strings).
   * Default: `gogoproto/gogo.proto` and `google/protobuf/descriptor.proto`, which only declare options.
   */
  optional?: readonly string[];
}

/** A loaded schema: the resolved root and the import path each loaded file came from. */
export interface LoadedSchema {
  /** The resolved protobufjs root (keepCase, comments kept). */
  root: protobuf.Root;
  /** Import paths of every file loaded, entry files first, in load order. */
  files: string[];
}

/** protobufjs's parser, with the file name it is processing (missing from its type declarations). */
const parser = protobuf.parse as typeof protobuf.parse & { filename: string | null };

const DEFAULT_OPTIONAL = ["gogoproto/gogo.proto", "google/protobuf/descriptor.proto"];

/**
 * Parses `entries` and everything they import into one resolved root.
 *
 * @example
 * ```ts
 * import { loadProtoRoot, memorySource } from "./loader.ts";
 * const { root } = loadProtoRoot(["a.proto"], memorySource({ "a.proto": 'syntax = "proto3"; message A { string x = 1; }' }));
 * root.lookupType("A");
 * ```
 */
export function loadProtoRoot(
  entries: readonly string[],
  source: ProtoSource,
  options: LoadOptions = {},
): LoadedSchema {
  const optional = new Set(options.optional ?? DEFAULT_OPTIONAL);
  const root = new protobuf.Root();
  const loaded: string[] = [];
  const seen = new Set<string>();
  const load = (path: string, importedBy?: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = source.read(path);
    if (text === null) {
      if (optional.has(path)) return;
      const from = importedBy ? ` (imported by ${importedBy})` : "";
      throw new ProtoLoadError(`${path}: file not found in ${source.describe()}${from}`);
    }
    let parsed: protobuf.IParserResult;
    try {
      // The parser records this on every type and field (`filename`) and names it in syntax errors.
      parser.filename = path;
      parsed = protobuf.parse(text, root, { keepCase: true, alternateCommentMode: true });
    } catch (e) {
      const message = errorMessage(e);
      throw new ProtoLoadError(message.includes(`(${path}, line`) ? message : `${path}: ${message}`);
    } finally {
      parser.filename = null;
    }
    loaded.push(path);
    for (const dep of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) load(dep, path);
  };
  for (const entry of entries) load(entry);
  try {
    root.resolveAll();
  } catch (e) {
    throw new ProtoLoadError(
      unresolvedField(root) ??
        `resolving ${entries.join(", ")}: ${errorMessage(e)}`,
    );
  }
  return { root, files: loaded };
}

/** Describes the first field whose type cannot be found: `a.proto: field pkg.Msg.f has unknown type 'Nope'`. */
function unresolvedField(namespace: protobuf.NamespaceBase): string | undefined {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) {
      for (const field of nested.fieldsArray) {
        try {
          field.resolve();
        } catch {
          const where = field.filename ?? nested.filename ?? "schema";
          return `${where}: field ${nested.fullName.slice(1)}.${field.name} has unknown type '${field.type}'`;
        }
      }
    }
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) {
      const found = unresolvedField(nested);
      if (found) return found;
    }
  }
  return undefined;
}
