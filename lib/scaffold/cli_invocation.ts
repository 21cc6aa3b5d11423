/**
 * How a plugin project calls this framework's CLI: its `deno.json` tasks run the very CLI that created the
 * project, by absolute path for a local checkout or by URL when the framework was run from one.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The framework's CLI entry module, as this copy of the framework sees it. */
export const FRAMEWORK_CLI_URL: URL = new URL("../../cli.ts", import.meta.url);

/** The framework's `deno.json` (npm import map and unstable flags the CLI needs). */
export const FRAMEWORK_CONFIG_URL: URL = new URL("../../deno.json", import.meta.url);

/**
 * Returns the shell command that runs the framework's CLI from a plugin project, without the sub-command,
 * with the Deno permission flags `permissions` (default `-A`; see `lib/dist/permissions.ts`).
 *
 * A local checkout is run with `--config` pointing at the framework's own `deno.json`, so its pinned npm
 * imports resolve (the plugin project's `deno.json` has none). A remote URL cannot carry its config that
 * way, so the scaffolder copies the import map into the project instead (see `needsImportMap`).
 *
 * @example
 * ```ts
 * import { frameworkCliCommand } from "./cli_invocation.ts";
 * frameworkCliCommand(new URL("file:///opt/tpf/cli.ts"), new URL("file:///opt/tpf/deno.json"));
 * // "deno run -A --no-prompt --config /opt/tpf/deno.json /opt/tpf/cli.ts"
 * ```
 */
export function frameworkCliCommand(
  cliUrl: URL = FRAMEWORK_CLI_URL,
  configUrl: URL = FRAMEWORK_CONFIG_URL,
  permissions: readonly string[] = ["-A"],
): string {
  const run = ["deno", "run", ...permissions.map(shellQuote), "--no-prompt"].join(" ");
  if (cliUrl.protocol === "file:") {
    return `${run} --config ${shellQuote(fileURLToPath(configUrl))} ${shellQuote(fileURLToPath(cliUrl))}`;
  }
  return `${run} ${shellQuote(cliUrl.href)}`;
}

/** Whether a project created by the CLI at `cliUrl` must carry the framework's import map itself. */
export function needsImportMap(cliUrl: URL = FRAMEWORK_CLI_URL): boolean {
  return cliUrl.protocol !== "file:";
}

/** Quotes a word for `deno task`'s shell, which follows POSIX single quoting. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}
