/**
 * `test [-f DIR] [-c N] [-t MS] [-b WASM] [--store SPEC] [-r] [-d DIR]`: compiles and runs the plugin's tests.
 *
 * @module
 */
import { TOKEN_STORE_SPEC_FORMS } from "../store/open.ts";
import { formatSummary, formatTestResult, type TestEvent } from "../testing/results.ts";
import {
  DEFAULT_TEST_MEMORY_LIMIT,
  DEFAULT_TEST_TIMEOUT_MS,
  type PluginTestOptions,
} from "../testing/options.ts";
import { MEMORY_SIZE_FORMS, parseMemorySize } from "../memory_size.ts";
import { PROJECT_DIR_OPTION, PROJECT_HINT } from "./new.ts";
import { checkProjectDirOption } from "./build.ts";
import { type Command, flagOption, integerOption, stringOption, UsageError } from "./command.ts";

/** The `test` command. */
export const testCommand: Command = {
  name: "test",
  summary: "Compile and run the plugin's tests (assembly/**/*.test.ts) against the fixtures",
  usage: "[-f DIR] [-c N] [-t MS] [-b WASM] [--store SPEC] [-r] [-d DIR]",
  description: [
    "Compiles every assembly/**/*.test.ts (debug build: asserts kept, source map), validates every fixture,",
    "then calls each exported function whose name starts with `test` in a fresh plugin instance, with a",
    "recording Teleport API (getLatestAPIRequest) and a fresh token store. Prints the plugin's trace lines,",
    "each test's result and time, and a summary. Exits with 0 only when every test passed.",
  ].join("\n"),
  options: {
    fixtures: {
      type: "string",
      short: "f",
      valueName: "DIR",
      description: "The fixtures folder (default: fixtures/ of the project).",
    },
    concurrency: {
      type: "string",
      short: "c",
      valueName: "N",
      default: "1",
      description: "Tests run at once.",
    },
    timeout: {
      type: "string",
      short: "t",
      valueName: "MS",
      default: String(DEFAULT_TEST_TIMEOUT_MS),
      description: "Limit of one test in milliseconds.",
    },
    "memory-limit": {
      type: "string",
      valueName: "SIZE",
      default: DEFAULT_TEST_MEMORY_LIMIT,
      description: `Cap of each test instance's memory: ${MEMORY_SIZE_FORMS}. Use the limit run is given.`,
    },
    prebuilt: {
      type: "string",
      short: "b",
      valueName: "WASM",
      description: "Run the tests exported by this .wasm instead of compiling.",
    },
    store: {
      type: "string",
      valueName: "SPEC",
      default: "memory",
      description: `Token store for the tests: ${TOKEN_STORE_SPEC_FORMS}.`,
    },
    rebuild: {
      type: "boolean",
      short: "r",
      description:
        "Compile even when the sources are unchanged since the last test build (build/test-cache/).",
    },
    dir: PROJECT_DIR_OPTION,
  },
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const projectDir = stringOption(args, "dir") ?? ".";
    await checkProjectDirOption(projectDir);
    return await runTestsAndReport({
      projectDir,
      fixturesDir: stringOption(args, "fixtures"),
      concurrency: integerOption(args, "concurrency") ?? 1,
      timeoutMs: integerOption(args, "timeout") ?? DEFAULT_TEST_TIMEOUT_MS,
      memoryLimitBytes: memoryLimitOption(stringOption(args, "memory-limit") ?? DEFAULT_TEST_MEMORY_LIMIT),
      prebuiltWasm: stringOption(args, "prebuilt"),
      store: stringOption(args, "store"),
      buildCache: !flagOption(args, "rebuild"),
    });
  },
};

function memoryLimitOption(text: string): number {
  const bytes = parseMemorySize(text);
  if (bytes === undefined) throw new UsageError(`--memory-limit must be ${MEMORY_SIZE_FORMS}, got '${text}'`);
  return bytes;
}

/**
 * Runs a project's tests and prints the report: compile times, each test's trace lines and result, the
 * summary. Resolves to the exit code: 0 only when every test passed.
 */
export async function runTestsAndReport(options: Omit<PluginTestOptions, "onEvent">): Promise<number> {
  const prebuilt = options.prebuiltWasm;
  if (prebuilt === undefined) await checkBuildConfig(options.projectDir);
  else await checkPrebuilt(prebuilt);
  console.log("teleport-plugin-framework tests");
  let currentFile: string | undefined;
  const onEvent = (event: TestEvent) => {
    if (event.kind === "compiled") {
      if (event.diagnostics) console.error(event.diagnostics);
      console.log(
        event.cached
          ? `reused ${event.file} (sources unchanged since the last build)`
          : `compiled ${event.file} (${(event.millis / 1000).toFixed(2)} s)`,
      );
      return;
    }
    if (event.result.file !== currentFile) {
      currentFile = event.result.file;
      console.log(`\n${currentFile}`);
    }
    for (const line of formatTestResult(event.result)) console.log(line);
  };
  // Loaded here, not at start-up: the pool is only needed when tests run (and the compiler only when a
  // test build is not cached, see the catch below).
  const [{ runPluginTests }, { FixtureError }] = await Promise.all([
    import("../testing/runner.ts"),
    import("../proto/fixture_json.ts"),
  ]);
  try {
    const summary = await runPluginTests({ ...options, onEvent });
    console.log("");
    if (summary.results.length === 0) {
      throw new UsageError(
        "no tests found",
        "export a function whose name starts with `test` from an assembly/*.test.ts file",
      );
    }
    console.log(formatSummary(summary));
    if (summary.failed > 0) return 1;
    console.log("Success!");
    return 0;
  } catch (e) {
    const { CompileError } = await import("../asc/compiler.ts");
    if (e instanceof CompileError) {
      console.error(e.diagnostics);
      throw new UsageError("the tests do not compile", "fix the errors above and run the tests again");
    }
    if (e instanceof FixtureError) throw new UsageError(e.message, "fix the fixture; no test was run");
    if (e instanceof Deno.errors.NotFound) throw new UsageError(e.message, PROJECT_HINT);
    throw e;
  }
}

const PREBUILT_FLAG = "-b/--prebuilt";

/**
 * Rejects with a {@linkcode UsageError} naming the flag and the file when `path` is not a readable
 * WebAssembly binary or exports no test function, before anything else runs.
 */
async function checkPrebuilt(path: string): Promise<void> {
  const { inspectWasm, WasmFormatError } = await import("../interop/wasm_binary.ts");
  let binary: Uint8Array;
  try {
    binary = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`${PREBUILT_FLAG} '${path}' does not exist`);
    if (e instanceof Deno.errors.IsADirectory) {
      throw new UsageError(`${PREBUILT_FLAG} '${path}' is a folder, not a .wasm file`);
    }
    throw e;
  }
  let exports: string[];
  try {
    exports = inspectWasm(binary).exports.filter((e) => e.kind === "function").map((e) => e.name);
  } catch (e) {
    if (e instanceof WasmFormatError) {
      throw new UsageError(
        `${PREBUILT_FLAG} '${path}': ${e.message}`,
        "pass a .wasm file compiled from an assembly/*.test.ts file",
      );
    }
    throw e;
  }
  if (!exports.some((name) => name.startsWith("test"))) {
    throw new UsageError(
      `${PREBUILT_FLAG} '${path}' exports no test functions (names starting with \`test\`)`,
      "pass a module compiled from an assembly/*.test.ts file, not the plugin's own build",
    );
  }
}

/**
 * Rejects with a {@linkcode UsageError} naming the file and field when the project's `asconfig.json` is one
 * `build` refuses: the test builds read its `options` too, so both commands accept the same files.
 */
async function checkBuildConfig(projectDir: string): Promise<void> {
  const { readBuildConfig, PluginBuildError } = await import("../scaffold/build.ts");
  try {
    await readBuildConfig(projectDir);
  } catch (e) {
    if (e instanceof PluginBuildError) throw new UsageError(e.message);
    throw e;
  }
}
