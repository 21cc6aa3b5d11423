/**
 * A cache of compiled test modules inside the plugin project (`build/test-cache/`), so that running the
 * tests again without changing any AssemblyScript source (after editing a fixture, or to try other
 * options) skips the compiler.
 *
 * An entry is keyed by the SHA-256 of everything that shapes the binary: the compiler version and flags,
 * the entry file, the project's `asconfig.json` (asc applies its `options`), and the path and content of
 * every `.ts` file of the project (outside `build/` and `node_modules/`). Sources imported from outside the
 * project folder are not part of the key.
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import frameworkConfig from "../../deno.json" with { type: "json" };

/** Where the cache lives, relative to the project. */
export const BUILD_CACHE_DIR = "build/test-cache";

/** A cached compile: the binary and its source map. */
export interface CachedModule {
  binary: Uint8Array;
  sourceMap?: string;
}

const SKIPPED_DIRS = new Set(["build", "node_modules", ".git"]);
const COMPILER_CONFIG = "asconfig.json";
// Bump when the way test builds are made changes in a way the key does not capture (the compiler wrapper's
// fixed flags, for example), so that older entries are not reused.
const CACHE_FORMAT = 1;
const encoder = new TextEncoder();

/** The compiled test modules of one project, by entry and source key. */
export class TestBuildCache {
  readonly #projectDir: string;
  readonly #dir: string;

  /** A cache for the project in `projectDir`; nothing is read or written until used. */
  constructor(projectDir: string) {
    this.#projectDir = projectDir;
    this.#dir = join(projectDir, BUILD_CACHE_DIR);
  }

  /** The key of `entry` compiled with `flags` from the project's current sources. */
  async key(entry: string, flags: readonly string[]): Promise<string> {
    const parts: Uint8Array[] = [
      encoder.encode(JSON.stringify([CACHE_FORMAT, frameworkConfig.imports.assemblyscript, flags, entry])),
    ];
    for (const path of await this.#sources()) {
      const content = await Deno.readFile(join(this.#projectDir, path));
      parts.push(encoder.encode(`\0${path}\0${content.byteLength}\0`), content);
    }
    // The compiler applies the project's asconfig.json `options` to test builds as well.
    const config = await Deno.readFile(join(this.#projectDir, COMPILER_CONFIG)).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return new Uint8Array();
      throw e;
    });
    parts.push(encoder.encode(`\0${COMPILER_CONFIG}\0${config.byteLength}\0`), config);
    const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.byteLength;
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** The cached module of `entry` under `key`, or `undefined`. */
  async get(entry: string, key: string): Promise<CachedModule | undefined> {
    const base = join(this.#dir, `${slug(entry)}.${key}`);
    try {
      const binary = await Deno.readFile(`${base}.wasm`);
      const sourceMap = await Deno.readTextFile(`${base}.wasm.map`).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      });
      return { binary, sourceMap };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /** Stores `module` as the one cached build of `entry`, replacing older builds of it. */
  async put(entry: string, key: string, module: CachedModule): Promise<void> {
    await Deno.mkdir(this.#dir, { recursive: true });
    const prefix = `${slug(entry)}.`;
    for await (const file of Deno.readDir(this.#dir)) {
      if (file.name.startsWith(prefix) && !file.name.startsWith(prefix + key)) {
        await Deno.remove(join(this.#dir, file.name)).catch(() => {});
      }
    }
    const base = join(this.#dir, `${prefix}${key}`);
    // Write to a temporary name first so that an interrupted run never leaves a truncated module behind.
    if (module.sourceMap !== undefined) await Deno.writeTextFile(`${base}.wasm.map`, module.sourceMap);
    await Deno.writeFile(`${base}.wasm.tmp`, module.binary);
    await Deno.rename(`${base}.wasm.tmp`, `${base}.wasm`);
  }

  /** Project-relative paths of the `.ts` files, sorted, with `/` separators. */
  async #sources(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory && !SKIPPED_DIRS.has(entry.name)) await walk(path);
        else if (entry.isFile && entry.name.endsWith(".ts")) {
          found.push(relative(this.#projectDir, path).split(sep).join("/"));
        }
      }
    };
    await walk(this.#projectDir);
    return found.sort();
  }
}

function slug(entry: string): string {
  return entry.replace(/[^A-Za-z0-9_.-]+/g, "_");
}
