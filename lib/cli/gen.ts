/**
 * `gen`: generates AssemblyScript classes from .proto files, like `protoc` with an AssemblyScript plugin
 * but with no protoc needed.
 *
 * @module
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import { type Command, type CommandArgs, stringListOption, stringOption, UsageError } from "./command.ts";
import {
  chainSources,
  directorySource,
  loadProtoRoot,
  memorySource,
  type ProtoSource,
} from "../proto/loader.ts";
import { BUNDLED_PROTO_FILES } from "../proto/schema.ts";
import { generateAssemblyScript, indexedModules, isGeneratedSource } from "../codegen/generate.ts";
import anyProto from "../../proto/google/protobuf/any.proto" with { type: "text" };
import fieldMaskProto from "../../proto/google/protobuf/field_mask.proto" with { type: "text" };

/** The `gen` command. */
export const genCommand: Command = {
  name: "gen",
  summary: "Generate AssemblyScript protobuf classes from .proto files.",
  usage: "--proto-path DIR [--proto-path DIR ...] --out OUTDIR FILE.proto...",
  description: [
    "Generate AssemblyScript protobuf classes from .proto files.",
    "",
    "FILE.proto paths are import paths relative to a --proto-path folder (as with protoc). Imports are",
    "looked up in the proto paths in order, then, for google/protobuf/ and gogoproto/ files, in the",
    "bundled copies (as protoc ships the well-known types); unknown options are ignored.",
    "OUTDIR/index.ts exports one namespace per top-level package:",
    "  import { events, google } from './vendor/teleport'",
    "Files already in OUTDIR are replaced only if gen wrote them (their first lines hold",
    "'// Code generated ... DO NOT EDIT.'); otherwise gen stops before writing anything.",
  ].join("\n"),
  options: {
    "proto-path": {
      type: "string",
      short: "I",
      multiple: true,
      valueName: "DIR",
      description: "Folder to look up .proto files and their imports in.",
    },
    out: {
      type: "string",
      short: "o",
      valueName: "OUTDIR",
      description: "Folder to write the generated files to.",
    },
  },
  run,
};

async function run(args: CommandArgs): Promise<number> {
  const protoPaths = stringListOption(args, "proto-path");
  const out = stringOption(args, "out");
  const hint = `see '${args.program} gen --help'`;
  if (protoPaths.length === 0) throw new UsageError("--proto-path is required", hint);
  if (out === undefined) throw new UsageError("--out is required", hint);
  if (args.positionals.length === 0) throw new UsageError("no .proto files given", hint);
  for (const dir of protoPaths) {
    const info = await Deno.stat(dir).catch(() => null);
    if (!info?.isDirectory) throw new UsageError(`--proto-path '${dir}' is not a folder`);
  }
  await checkOutFolder(out);
  const entries = args.positionals.map((file) => importPathOf(file, protoPaths));

  const started = performance.now();
  const { root, files } = loadProtoRoot(
    entries,
    chainSources(directorySource(protoPaths), standardImports()),
  );
  const generated = generateAssemblyScript(root);
  // Every target is checked before the first is written, so a refusal leaves the folder as it was.
  await checkTargets(out, generated);
  for (const [path, source] of generated) {
    const target = join(out, path);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeTextFile(target, source);
  }
  const millis = Math.round(performance.now() - started);
  for (const path of generated.keys()) console.log(`  ${join(out, path)}`);
  console.log(`Parsed ${files.length} .proto files, wrote ${generated.size} files in ${millis} ms`);
  return 0;
}

/** Import path prefixes of the files that schemas import without shipping them (Teleport's tree does not). */
const STANDARD_PREFIXES = ["google/protobuf/", "gogoproto/"];

/**
 * Well-known types that Teleport's api/proto services import but the bundled schema does not use. They live here
 * rather than in `BUNDLED_PROTO_FILES` so that the host's runtime schema, and the worker bundles embedding
 * it, stay as they are.
 */
const GENERATOR_ONLY_WELL_KNOWN_FILES: Readonly<Record<string, string>> = {
  "google/protobuf/any.proto": anyProto,
  "google/protobuf/field_mask.proto": fieldMaskProto,
};

/**
 * The bundled well-known types and gogoproto options, searched after the proto paths. The bundled Teleport
 * files are left out on purpose: a tree missing one of its own files must fail, not be patched silently.
 */
function standardImports(): ProtoSource {
  const files = Object.entries(BUNDLED_PROTO_FILES).filter(([path]) =>
    STANDARD_PREFIXES.some((prefix) => path.startsWith(prefix))
  );
  return memorySource(
    { ...Object.fromEntries(files), ...GENERATOR_ONLY_WELL_KNOWN_FILES },
    "bundled google/protobuf and gogoproto files",
  );
}

/** Refuses an `--out` that is, or lies inside, something other than a folder. */
async function checkOutFolder(out: string): Promise<void> {
  for (let path = out;; path = dirname(path)) {
    const info = await statOrNull(path);
    if (info?.isDirectory) return;
    if (info) {
      const what = path === out ? "" : ` ('${path}' is a file)`;
      throw new UsageError(
        `--out '${out}' is not a folder${what}`,
        "pass a folder to write the generated files to",
      );
    }
    if (dirname(path) === path) return;
  }
}

/**
 * Refuses to replace a file that `gen` did not write: generated files start with a `// Code generated ...
 * DO NOT EDIT.` line, anything else (a plugin's `assembly/index.ts`, a hand-written module) is the user's.
 * Also refuses to replace a generated `index.ts` by one that drops namespaces it exported (generating one
 * package into a project's `vendor/teleport` would otherwise cut off the Teleport classes).
 */
async function checkTargets(out: string, generated: ReadonlyMap<string, string>): Promise<void> {
  const refused: string[] = [];
  let dropped: { index: string; modules: string[] } | undefined;
  for (const [path, source] of generated) {
    const target = join(out, path);
    const info = await statOrNull(target);
    if (!info) continue;
    const existing = info.isFile ? await Deno.readTextFile(target) : undefined;
    if (existing === undefined || !isGeneratedSource(existing)) {
      refused.push(target);
    } else if (path === "index.ts") {
      const kept = new Set(indexedModules(source));
      const modules = indexedModules(existing).filter((module) => !kept.has(module));
      if (modules.length > 0) dropped = { index: target, modules };
    }
  }
  if (refused.length > 0) {
    const more = refused.length > 1
      ? ` (and ${refused.length - 1} more: ${refused.slice(1).join(", ")})`
      : "";
    throw new UsageError(
      `--out '${out}': refusing to overwrite ${refused[0]}${more}, which gen did not write ` +
        "(no '// Code generated ... DO NOT EDIT.' line at its top); nothing was written",
      "choose another --out folder, or move the file away if gen may replace it",
    );
  }
  if (dropped) {
    const modules = dropped.modules.join(", ");
    throw new UsageError(
      `--out '${out}': ${dropped.index} also exports ${modules}, which these .proto files do not define; ` +
        "nothing was written",
      "generate into another folder, or pass the .proto files of those packages too",
    );
  }
}

/**
 * Accepts a file either as an import path (`events/events.proto`) or as a path on disk inside one of the
 * proto paths (`proto/events/events.proto`), and returns its import path. A file that exists on disk outside
 * every proto path is refused: its imports could not be resolved the way protoc resolves them.
 */
function importPathOf(file: string, protoPaths: readonly string[]): string {
  for (const dir of protoPaths) {
    const inside = relative(dir, file);
    if (!inside.startsWith("..") && !isAbsolute(inside) && fileExists(join(dir, inside))) {
      return inside.replaceAll("\\", "/");
    }
  }
  const asImport = !isAbsolute(file) && protoPaths.some((dir) => fileExists(join(dir, file)));
  if (!asImport && fileExists(file)) {
    throw new UsageError(
      `${file} is not under any --proto-path (${protoPaths.map((dir) => `'${dir}'`).join(", ")})`,
      `add the folder its imports are relative to with --proto-path, e.g. -I ${dirname(file)}`,
    );
  }
  return file.replaceAll("\\", "/");
}

/** `Deno.stat(path)`, or null when nothing is there (also when a parent is a file). */
async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
