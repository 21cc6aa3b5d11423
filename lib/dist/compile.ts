/**
 * `deno task compile`: builds `dist/teleport-plugin-framework`, one executable holding the CLI with every
 * asset it uses (AssemblyScript compiler, proto schema, boilerplate, examples, fixture templates, the pool's
 * worker): they are all module imports, so `deno compile` takes them from the module graph.
 *
 * `deno compile` downloads `denort` (Deno's runtime without the tooling) from dl.deno.land, unless the
 * `DENORT_BIN` environment variable names a local copy: a denort of this Deno's version for this platform.
 * Without network access and without `DENORT_BIN`, the task fails with one line saying so.
 *
 * @example
 * ```sh
 * DENORT_BIN=/opt/denort-2.9.6 deno task compile
 * ```
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.ts";

/** Where the binary is written, relative to the repository. */
export const BINARY_PATH = "dist/teleport-plugin-framework";

/**
 * The permissions compiled into the binary (a compiled program cannot be given others when it starts):
 * the union of what the commands need (see `permissions.ts`); no subprocesses, FFI or system information.
 * Plugin code still runs without any permission.
 */
export const BINARY_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
];

const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The `deno compile` arguments building the binary at `output`. */
export function compileArgs(output: string = BINARY_PATH): string[] {
  return ["compile", "--no-prompt", ...BINARY_PERMISSIONS, "--output", output, "cli.ts"];
}

/** The target triple `deno compile` builds for by default, as denort's download names it. */
function platform(): string {
  return Deno.build.target;
}

/**
 * Explains a failed `deno compile` in one line: the denort download or a wrong `DENORT_BIN`, else the
 * last line `deno compile` printed.
 */
export function explainCompileFailure(text: string, denortBin: string | undefined): string {
  const runtime = `denort ${Deno.version.deno} (${platform()})`;
  if (denortBin !== undefined && /Could not find denort|denort/i.test(text) && text.includes(denortBin)) {
    return `deno compile could not use DENORT_BIN=${denortBin}: not a readable ${runtime} binary`;
  }
  if (/dl\.deno\.land|denort-/.test(text)) {
    return `deno compile could not download ${runtime} from dl.deno.land (no network access?); ` +
      `set DENORT_BIN to a ${runtime} binary`;
  }
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return `deno compile failed: ${lines.find((line) => line.startsWith("error:"))?.slice(7) ?? lines.at(-1)}`;
}

/**
 * Runs `deno compile` and checks that the result is this program (a `DENORT_BIN` pointing at a plain `deno`
 * also "compiles", into a copy of `deno`); resolves to the binary's path, rejects with a one-line explanation.
 */
export async function compileBinary(output: string = BINARY_PATH): Promise<string> {
  const denortBin = Deno.env.get("DENORT_BIN") || undefined;
  const path = resolve(REPO_DIR, output);
  await Deno.mkdir(dirname(path), { recursive: true });
  const result = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(path),
    cwd: REPO_DIR,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(explainCompileFailure(new TextDecoder().decode(result.stderr), denortBin));
  }
  const version = await new Deno.Command(path, { args: ["--version"], stdout: "piped", stderr: "null" })
    .output();
  const printed = new TextDecoder().decode(version.stdout).trim();
  if (printed !== `teleport-plugin-framework ${VERSION}`) {
    await Deno.remove(path);
    throw new Error(
      `the compiled binary printed '${
        printed.split("\n")[0]
      }' for --version: DENORT_BIN=${denortBin} is not denort`,
    );
  }
  return path;
}

if (import.meta.main) {
  try {
    console.log(`built ${await compileBinary(Deno.args[0])}`);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
