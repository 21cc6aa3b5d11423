/**
 * The `abort` of test builds. AssemblyScript's own `abort(message, file, line, column)` names where it was
 * called, which for a failure inside the standard library (`Map#get` of a missing key, an array index out
 * of range) is the library, e.g. `~lib/map.ts:105:17`, not the test or plugin line that led there. Test
 * builds therefore replace it (asc `--use abort=...`) with one that hands the host the message and position
 * (`test.recordAbort`, see the `Testing` trait) and then traps: the trap carries the engine's WebAssembly
 * stack trace, which the runner maps through the source map to the plugin's own frame.
 *
 * @module
 */

/** The virtual entry file that holds the replacement; its frames are never the location shown. */
export const ABORT_CAPTURE_FILE = "__plugin_test_abort.ts";

/** Its AssemblyScript source: record the abort on the host, then trap. */
export const ABORT_CAPTURE_SOURCE = `// The abort of plugin test builds (teleport-plugin-framework test).
@external("test", "recordAbort")
declare function recordAbort(message: string, file: string, line: u32, column: u32): void;

// The same parameters as AssemblyScript's abort, defaults included: plugin code may call abort() itself.
function abortWithStack(
  message: string | null = null,
  file: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  recordAbort(message !== null ? message : "", file !== null ? file : "", line, column);
  unreachable();
}
`;

/** The asc flags that make every `abort` call the replacement. */
export const ABORT_CAPTURE_FLAGS: readonly string[] = [
  "--use",
  `abort=${ABORT_CAPTURE_FILE.replace(/\.ts$/, "")}/abortWithStack`,
];
