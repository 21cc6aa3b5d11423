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
 * Runs `command args` in `cwd` with `NO_COLOR=1`, so that messages can be compared as plain text.
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
    env: { NO_COLOR: "1" },
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
