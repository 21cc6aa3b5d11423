/**
 * What a plugin test run produces: one result per test function, progress events while it runs, and the
 * summary. Plain data, so that any front end (the CLI, an editor, a CI report) can render it.
 *
 * @module
 */

/** Why a test failed. */
export interface TestFailure {
  /**
   * `assert`: the plugin called `abort` (a failed `assert`, `throw`, ...); `trap`: a WebAssembly trap
   * (unreachable, out-of-bounds access, ...); `timeout`: it ran longer than the limit and was stopped;
   * `error`: anything else (a host function failed, the instance crashed, ...).
   */
  kind: "assert" | "trap" | "timeout" | "error";
  /** The message, e.g. the assert's message. */
  message: string;
  /**
   * `file:line:column` in the AssemblyScript sources, when known: where the assert or trap is, or, for a
   * failure raised inside AssemblyScript's standard library, the line of the plugin's own code that called
   * into it.
   */
  location?: string;
  /**
   * `file:line:column` in AssemblyScript's standard library (`~lib/...`) where the failure was raised, when
   * `location` is the plugin's call into it, e.g. `~lib/map.ts:105:17` for `Map#get` of a missing key.
   */
  libraryLocation?: string;
}

/** The outcome of one test function. */
export interface TestResult {
  /** The test file (project-relative), or the prebuilt `.wasm` path. */
  file: string;
  /** The exported function's name, e.g. `test` or `testLocksAfterThreeFailures`. */
  name: string;
  /** Wall time of the call in milliseconds. */
  millis: number;
  /** The lines the test printed with `trace`, in order. */
  traces: string[];
  /** The locks the test's plugin sent to the (recording) Teleport API, in Teleport's JSON form, in order. */
  locks: Record<string, unknown>[];
  /** Set when the test failed. */
  failure?: TestFailure;
}

/** Progress reported while tests run. */
export type TestEvent =
  | {
    kind: "compiled";
    /** The test file. */
    file: string;
    /** Compile time; 0 when the build came from the cache. */
    millis: number;
    /** Compiler warnings. */
    diagnostics: string;
    /** The unchanged sources' earlier build was reused. */
    cached: boolean;
  }
  | { kind: "finished"; result: TestResult };

/** The outcome of a whole run. */
export interface TestRunSummary {
  /** Every result, grouped by file in file order, tests in export order. */
  results: TestResult[];
  /** Number of tests that passed. */
  passed: number;
  /** Number of tests that failed. */
  failed: number;
  /** Time spent compiling, in milliseconds. */
  compileMillis: number;
  /** Time spent running tests, in milliseconds. */
  runMillis: number;
}

/**
 * Renders one result as the lines the CLI prints: the trace lines and the locks requested, then `ok` or
 * `FAIL` with the reason.
 */
export function formatTestResult(result: TestResult): string[] {
  const lines = [
    ...result.traces.map((trace) => `    ${trace}`),
    ...result.locks.map((lock) => `    upsertLock ${JSON.stringify(lock)}`),
  ];
  const time = `(${formatMillis(result.millis)})`;
  if (!result.failure) {
    lines.push(`  ok    ${result.name} ${time}`);
    return lines;
  }
  lines.push(`  FAIL  ${result.name} ${time}`);
  lines.push(`        ${result.failure.message}`);
  const { location, libraryLocation } = result.failure;
  if (location) lines.push(`        at ${location}${libraryLocation ? ` (in ${libraryLocation})` : ""}`);
  return lines;
}

/** Renders the closing summary line, e.g. `2 passed, 1 failed (compile 0.81 s, run 0.04 s)`. */
export function formatSummary(summary: TestRunSummary): string {
  return `${summary.passed} passed, ${summary.failed} failed ` +
    `(compile ${formatSeconds(summary.compileMillis)}, run ${formatSeconds(summary.runMillis)})`;
}

function formatMillis(millis: number): string {
  return millis < 1000 ? `${Math.round(millis)} ms` : formatSeconds(millis);
}

function formatSeconds(millis: number): string {
  return `${(millis / 1000).toFixed(2)} s`;
}
