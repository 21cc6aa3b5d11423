/**
 * Finds a plugin project's test entry files: every `*.test.ts` under `assembly/`, recursively.
 *
 * @module
 */
import { join, relative, sep } from "node:path";

/** The folder, relative to the project, that holds the plugin's AssemblyScript sources and tests. */
export const ASSEMBLY_DIR = "assembly";

/**
 * Returns the project-relative paths (with `/` separators, sorted) of every `assembly/**\/*.test.ts` file.
 * Rejects with a message naming the folder when `assembly/` does not exist.
 */
export async function discoverTestFiles(projectDir: string): Promise<string[]> {
  const root = join(projectDir, ASSEMBLY_DIR);
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".test.ts")) {
        found.push(relative(projectDir, path).split(sep).join("/"));
      }
    }
  }
  try {
    await walk(root);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `no ${ASSEMBLY_DIR}/ folder in ${projectDir}: is this a plugin project?`,
      );
    }
    throw e;
  }
  return found.sort();
}
