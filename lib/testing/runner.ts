/**
 * The plugin test runner behind `teleport-plugin-framework test`.
 *
 * A run (1) loads and validates every fixture, (2) compiles every `assembly/**\/*.test.ts` as its own
 * debug module (asserts kept, source map) or takes a prebuilt `.wasm`, then (3) calls every exported
 * function whose name starts with `test`, each in a fresh plugin instance of the worker pool with the
 * production traits, except that the Teleport API is a recording mock and each test has a token store of
 * its own: a new memory store, or a namespace of the persistent store that is emptied when the test ends
 * (see `test_store.ts`). Fresh instances and state per test keep tests independent of each other, of their
 * order and of earlier runs.
 *
 * @example
 * ```ts ignore
 * import { runPluginTests } from "./runner.ts";
 * const summary = await runPluginTests({ projectDir: "./my-plugin" });
 * console.log(`${summary.passed} passed, ${summary.failed} failed`);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { inspectWasm } from "../interop/wasm_binary.ts";
import { makeInterruptible } from "../interop/wasm_interrupt.ts";
import { ExecutionContextPool } from "../pool/pool.ts";
import { PluginAbortError, PluginTrapError, TimeoutError } from "../pool/errors.ts";
import {
  AssemblyScriptEnv,
  PluginExports,
  Store,
  TeleportApi,
  Testing,
  type TestingOptions,
} from "../../traits/mod.ts";
import { parseTokenStoreSpec, type TokenStoreSpec } from "../store/open.ts";
import { openTestTokenStore } from "./test_store.ts";
import { RecordingTeleportClient } from "../api/record.ts";
import { lockToJSON } from "../api/lock.ts";
import { ROOT_CATEGORY } from "../log.ts";
import { discoverTestFiles } from "./discover.ts";
import { loadFixtures } from "./fixtures.ts";
import type { TestFailure, TestResult, TestRunSummary } from "./results.ts";
import { type FailureSite, isLibrarySource, SourceMapIndex } from "./source_map.ts";
import { DEFAULT_TEST_TIMEOUT_MS, type PluginTestOptions } from "./options.ts";
import { TestBuildCache } from "./build_cache.ts";
import { originalCodeOffset } from "./code_offsets.ts";
import { errorMessage } from "../error_message.ts";

export { DEFAULT_TEST_TIMEOUT_MS, type PluginTestOptions } from "./options.ts";

/** A compiled test module and where it came from. */
interface TestModule {
  file: string;
  binary: Uint8Array;
  sourceMap?: SourceMapIndex;
  tests: string[];
}

// Trace lines reach the caller through the results; the pool's own log of them would print each twice, so
// the test pools log to a category outside the framework's root, which no sink listens to.
const quietPoolLogger = getLogger([`${ROOT_CATEGORY}.plugin-tests`]);

/**
 * Runs a plugin project's tests and resolves to the summary; it rejects, before any test runs, with a
 * `TokenStoreSpecError` for a malformed `store`, a `FixtureError` (naming file and field path) for an invalid
 * fixture and a `CompileError` (carrying asc's diagnostics) for a test file that does not compile.
 */
export async function runPluginTests(options: PluginTestOptions): Promise<TestRunSummary> {
  const storeSpec = parseTokenStoreSpec(options.store ?? "memory");
  const fixturesDir = options.fixturesDir ?? join(options.projectDir, "fixtures");
  const fixtures = await loadFixtures(fixturesDir);
  const compileStarted = performance.now();
  const modules = options.prebuiltWasm === undefined
    ? await compileTestModules(options)
    : [await prebuiltModule(options.prebuiltWasm)];
  const compileMillis = performance.now() - compileStarted;

  const jobs = modules.flatMap((module) => module.tests.map((name) => ({ module, name })));
  const results: TestResult[] = new Array(jobs.length);
  const runStarted = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++;
      const { module, name } = jobs[index];
      results[index] = await runTest(
        module,
        name,
        { fixtures, fixturesOrigin: fixturesDir },
        storeSpec,
        options,
      );
      options.onEvent?.({ kind: "finished", result: results[index] });
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? 1, jobs.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  const failed = results.filter((r) => r.failure).length;
  return {
    results,
    passed: results.length - failed,
    failed,
    compileMillis,
    runMillis: performance.now() - runStarted,
  };
}

const TEST_BUILD_FLAGS = [
  // The engine validates the module when it compiles it; asc's own validation pass would repeat that.
  "--noValidate",
];

async function compileTestModules(options: PluginTestOptions): Promise<TestModule[]> {
  const cache = options.buildCache ? new TestBuildCache(options.projectDir) : undefined;
  const modules: TestModule[] = [];
  for (const file of await discoverTestFiles(options.projectDir)) {
    const key = await cache?.key(file, TEST_BUILD_FLAGS);
    let built = key === undefined ? undefined : await cache?.get(file, key);
    if (built) {
      options.onEvent?.({ kind: "compiled", file, millis: 0, diagnostics: "", cached: true });
    } else {
      // Loaded on demand: a run whose builds all come from the cache does without the compiler.
      const { compileAssemblyScript } = await import("../asc/compiler.ts");
      const result = await compileAssemblyScript({
        entries: [file],
        baseDir: options.projectDir,
        target: "debug",
        flags: TEST_BUILD_FLAGS,
      });
      built = { binary: result.binary, sourceMap: result.sourceMap };
      if (key !== undefined) await cache?.put(file, key, built);
      options.onEvent?.({
        kind: "compiled",
        file,
        millis: result.millis,
        diagnostics: result.diagnostics,
        cached: false,
      });
    }
    modules.push({
      file,
      binary: built.binary,
      sourceMap: built.sourceMap === undefined ? undefined : new SourceMapIndex(built.sourceMap),
      tests: testExports(built.binary),
    });
  }
  return modules;
}

async function prebuiltModule(path: string): Promise<TestModule> {
  const binary = await Deno.readFile(path);
  return { file: path, binary, tests: testExports(binary) };
}

/** Exported functions named `test...`, in export order. */
function testExports(binary: Uint8Array): string[] {
  return inspectWasm(binary).exports
    .filter((e) => e.kind === "function" && e.name.startsWith("test"))
    .map((e) => e.name);
}

async function runTest(
  module: TestModule,
  name: string,
  fixtures: Pick<TestingOptions, "fixtures" | "fixturesOrigin">,
  storeSpec: TokenStoreSpec,
  options: PluginTestOptions,
): Promise<TestResult> {
  const traces: string[] = [];
  const api = new RecordingTeleportClient();
  const store = await openTestTokenStore(storeSpec);
  let pool: ExecutionContextPool<Record<string, { params: readonly []; result: "void" }>> | undefined;
  const started = performance.now();
  let failure: TestFailure | undefined;
  try {
    pool = await ExecutionContextPool.create({
      plugin: module.binary,
      traits: [
        new AssemblyScriptEnv({ onTrace: (line) => traces.push(line) }),
        new Store(store),
        new TeleportApi(api),
        new Testing({
          ...fixtures,
          latestApiRequest: () => api.latest()?.bytes,
        }),
        new PluginExports({ [name]: { params: [], result: "void" } } as const),
      ],
      timeout: options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
      memoryLimit: options.memoryLimitBytes === undefined ? undefined : { bytes: options.memoryLimitBytes },
      logger: quietPoolLogger,
    });
    await pool.execute(name);
  } catch (error) {
    failure = describeFailure(error, module);
  } finally {
    await pool?.close();
    await api.close();
    try {
      await store.close();
    } catch (error) {
      failure ??= { kind: "error", message: `the token store failed after the test: ${errorMessage(error)}` };
    }
  }
  const locks = api.requests.map((request) => lockToJSON(request.lock));
  return { file: module.file, name, millis: performance.now() - started, traces, locks, failure };
}

function describeFailure(error: unknown, module: TestModule): TestFailure {
  if (error instanceof PluginAbortError) return abortFailure(error, failureSite(module, error.wasmStack));
  if (error instanceof PluginTrapError) {
    const site = failureSite(module, error.wasmStack);
    return {
      kind: "trap",
      message: `WebAssembly trap: ${error.trap}`,
      location: site?.location ?? error.wasmStack[0],
      ...(site?.libraryLocation && { libraryLocation: site.libraryLocation }),
    };
  }
  if (error instanceof TimeoutError) {
    return { kind: "timeout", message: `timed out after ${error.timeoutMs} ms (does it loop forever?)` };
  }
  return { kind: "error", message: errorMessage(error) };
}

/**
 * An abort in the plugin's own code is shown where it is; one raised inside the standard library (a missing
 * `Map` key, an index out of range) at the plugin's own frame that led there, found on the stack.
 */
function abortFailure(abort: PluginAbortError, site: FailureSite | undefined): TestFailure {
  const message = abort.abortMessage || "abort() called without a message";
  const where = abort.file ? `${abort.file}:${abort.line}:${abort.column}` : undefined;
  const ownFrame = site !== undefined && !isLibrarySource(site.location) ? site.location : undefined;
  if (ownFrame === undefined) return { kind: "assert", message, location: where ?? site?.location };
  if (where === undefined) return { kind: "assert", message, location: ownFrame };
  if (!isLibrarySource(abort.file)) return { kind: "assert", message, location: where };
  return { kind: "assert", message, location: ownFrame, libraryLocation: where };
}

/**
 * Maps the WebAssembly frames of a trap or an abort (offsets in the module as the pool rewrote it) to source
 * positions.
 */
function failureSite(module: TestModule, wasmStack: readonly string[]): FailureSite | undefined {
  if (module.sourceMap === undefined) return undefined;
  let rewritten: Uint8Array;
  try {
    rewritten = makeInterruptible(module.binary);
  } catch {
    rewritten = module.binary; // The pool runs modules it cannot rewrite unchanged.
  }
  const offsets = wasmStack
    .map((frame) => /wasm-function\[\d+\]:0x([0-9a-f]+)/i.exec(frame))
    .filter((match) => match !== null)
    .map((match) => originalCodeOffset(module.binary, rewritten, parseInt(match[1], 16)))
    .filter((offset) => offset !== undefined);
  return module.sourceMap.locate(offsets);
}
