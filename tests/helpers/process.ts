/**
 * Runs a child process to completion for a test: colour off, output collected and decoded.
 *
 * @module
 */

/** What a finished child process printed, and how it ended. */
export interface ProcessOutput {
  /** Exit code. */
  code: number;
  /** True when the exit code is 0. */
  success: boolean;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

/**
 * The environment of this process without `INIT_CWD`: `deno task test` sets it to the repository, and a task
 * the child runs (`deno task cli:...`) would take that, not the child's own folder, as where it was started.
 */
function childEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return { ...env, NO_COLOR: "1" };
}

/**
 * Runs `command args` in `cwd` with `NO_COLOR=1`, so that messages can be compared as plain text, and as if
 * started from a shell in `cwd` (no `INIT_CWD` of an enclosing `deno task`).
 *
 * @example
 * ```ts ignore
 * const { code, stdout } = await runProcess(Deno.execPath(), ["--version"], Deno.cwd());
 * ```
 */
export async function runProcess(command: string, args: string[], cwd: string): Promise<ProcessOutput> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    env: childEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    success: output.success,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
