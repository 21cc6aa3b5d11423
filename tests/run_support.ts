/**
 * Shared by the `run` tests and the pipeline benchmark: real plugin builds (a fresh plugin project from an
 * example, optionally with another `event_handler.ts`, compiled by the real AssemblyScript compiler) and the
 * `run` command as a child process.
 *
 * @module
 */
import { join } from "node:path";
import type { ExampleName } from "../boilerplate/mod.ts";
import { createPluginProject } from "../lib/scaffold/project.ts";
import { buildPlugin } from "../lib/scaffold/build.ts";

/** The framework CLI. */
export const CLI = new URL("../cli.ts", import.meta.url).pathname;
/** The bundled sample Teleport audit log. */
export const SAMPLE_AUDIT_LOG = new URL("../fixtures/audit/", import.meta.url).pathname;

/** A passthrough plugin that does not trace (the example traces every event). */
export const QUIET_PASSTHROUGH = `import { plugin } from '../vendor/teleport';

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const response = new plugin.HandleEventResponse();
    response.Event = request.Event;
    response.Success = true;
    return response;
}
`;

/** Aborts on logins of "crash-me", forwards everything else. */
export const CRASHING_PLUGIN = `import { plugin, events } from '../vendor/teleport';

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const event = request.Event;
    if (event.UserLogin != null && (event.UserLogin as events.UserLogin).User.User == "crash-me") {
        abort("crash-me must not log in");
    }
    const response = new plugin.HandleEventResponse();
    response.Event = event;
    response.Success = true;
    return response;
}
`;

/** Loops forever on logins of "loop-me", forwards everything else. */
export const LOOPING_PLUGIN = `import { plugin, events } from '../vendor/teleport';

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const event = request.Event;
    if (event.UserLogin != null && (event.UserLogin as events.UserLogin).User.User == "loop-me") {
        let spins: i64 = 0;
        while (spins >= 0) spins++;
    }
    const response = new plugin.HandleEventResponse();
    response.Event = event;
    response.Success = true;
    return response;
}
`;

/** Answers Success = false for logins of "refuse-me", forwards everything else. */
export const REFUSING_PLUGIN = `import { plugin, events } from '../vendor/teleport';

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const event = request.Event;
    const response = new plugin.HandleEventResponse();
    if (event.UserLogin != null && (event.UserLogin as events.UserLogin).User.User == "refuse-me") {
        response.Success = false;
        response.Error = "refused on purpose";
        return response;
    }
    response.Event = event;
    response.Success = true;
    return response;
}
`;

/**
 * Creates a plugin project from `example` in a new folder under `parent`, replaces its `event_handler.ts`
 * with `handler` when given, builds `build/production.wasm` and returns its path.
 */
export async function buildPluginFrom(
  parent: string,
  example: ExampleName,
  handler?: string,
): Promise<string> {
  const dir = join(
    parent,
    `plugin-${example}${handler === undefined ? "" : "-custom"}-${crypto.randomUUID()}`,
  );
  await createPluginProject({ dir, example });
  if (handler !== undefined) await Deno.writeTextFile(join(dir, "assembly", "event_handler.ts"), handler);
  await buildPlugin(dir, ["production"]);
  return join(dir, "build", "production.wasm");
}

let buildDir: string | undefined;
const builds = new Map<string, Promise<string>>();

/**
 * Like {@linkcode buildPluginFrom}, built once per test process into a folder removed when the process ends.
 */
export function plugin(example: ExampleName, handler?: string): Promise<string> {
  const key = `${example}\0${handler ?? ""}`;
  let build = builds.get(key);
  if (build === undefined) {
    if (buildDir === undefined) {
      const dir = buildDir = Deno.makeTempDirSync({ prefix: "run-test-plugins-" });
      globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    }
    build = buildPluginFrom(buildDir, example, handler);
    builds.set(key, build);
  }
  return build;
}

/** Output of a finished child process. */
export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cli.ts run ...args` to completion. */
export async function runCli(
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<RunOutput> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", CLI, "run", ...args],
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

/** Reads a JSON-lines file into objects. */
export async function readJsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** Lines in the file at `path` (0 when there is no such file yet). */
export async function countLines(path: string): Promise<number> {
  try {
    const bytes = await Deno.readFile(path);
    let lines = 0;
    for (const byte of bytes) if (byte === 10) lines++;
    return lines;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}
