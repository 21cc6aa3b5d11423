/**
 * The options of a plugin test run and their defaults, apart from the runner so that a command line can
 * describe them without loading the compiler.
 *
 * @module
 */
import type { TestEvent } from "./results.ts";

/** Default limit of one test function, in milliseconds. */
export const DEFAULT_TEST_TIMEOUT_MS = 5000;

/**
 * Default cap of a test instance's memory: far above what an event plugin needs, low enough that a test
 * allocating without end fails at once instead of filling the machine (several run at once with `-c`).
 */
export const DEFAULT_TEST_MEMORY_LIMIT = "256MiB";

/** Options for `runPluginTests`. */
export interface PluginTestOptions {
  /** The plugin project folder. */
  projectDir: string;
  /** The fixtures folder. Default `<projectDir>/fixtures`. */
  fixturesDir?: string;
  /** How many tests run at once, each on its own instance. Default 1. */
  concurrency?: number;
  /** Limit of one test function in milliseconds; a test running longer fails and is stopped. Default 5000. */
  timeoutMs?: number;
  /**
   * Cap of each test instance's memory in bytes (a multiple of 64 KiB); going over it fails the test.
   * Default: no cap beyond WebAssembly's 4 GiB (the CLI gives {@linkcode DEFAULT_TEST_MEMORY_LIMIT}).
   */
  memoryLimitBytes?: number;
  /** Run the tests exported by this prebuilt `.wasm` instead of compiling the test files. */
  prebuiltWasm?: string;
  /** Token store spec (`memory`, `kv:PATH`, `redis://...`), opened anew for each test. Default `memory`. */
  store?: string;
  /**
   * Reuse the test build of an unchanged project from `build/test-cache/` (and store new builds there).
   * Default `false`; the CLI turns it on.
   */
  buildCache?: boolean;
  /** Called with progress as compiles and tests finish. */
  onEvent?: (event: TestEvent) => void;
}
