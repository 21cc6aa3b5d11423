/**
 * Child process for the timeout tests: in Deno 2.9 a terminated worker whose thread did not really stop
 * (denoland/deno#35657) keeps the process from exiting, so the tests run the scenarios here and check that
 * the process ends by itself. Prints one JSON line with what it observed.
 *
 * Usage: `deno run -A --no-prompt tests/pool_timeout_child.ts loop|batch|queued|busy|start|restart|withdrawn|host`
 *
 * @module
 */
import { ExecutionContextPool, hostFunction, type Trait } from "../lib/pool/mod.ts";
import { AssemblyScriptEnv, PluginExports } from "../traits/mod.ts";
import { compileSnippet } from "./helpers/assemblyscript.ts";

const TIMEOUT_MS = 100;

/** User plus system CPU time of this process (Linux). */
function cpuSeconds(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const hits: number[] = [];

class Counter implements Trait<Record<never, never>> {
  readonly name = "Counter";
  readonly requiredExports = {};
  readonly hostFunctions = [
    hostFunction({
      namespace: "counter",
      name: "hit",
      params: ["i32"],
      result: "void",
      run: (i) => void hits.push(i),
    }),
    // A host function that never answers, like a store that hangs.
    hostFunction({
      namespace: "counter",
      name: "never",
      params: [],
      result: "i32",
      run: () => new Promise<number>(() => {}),
    }),
  ];
}

const pool = await ExecutionContextPool.create({
  plugin: await compileSnippet(`
    @external("counter", "hit") declare function hit(i: i32): void;
    @external("counter", "never") declare function never(): i32;
    export function wait(): i32 { return never(); }
    export function spin(): void { while (true) {} }
    export function echo(s: string): string { return s; }
    export function step(i: i32): i32 { hit(i); if (i == 2) { while (true) {} } return i * 10; }
    export function failThenLoop(i: i32): i32 { if (i == 0) abort("first fails"); while (true) {} return i; }
    export function loopFirst(i: i32): i32 { if (i == 0) { while (true) {} } return i * 10; }
  `),
  traits: [
    new AssemblyScriptEnv(),
    new Counter(),
    new PluginExports({
      spin: { params: [], result: "void" },
      echo: { params: ["string"], result: "string" },
      step: { params: ["i32"], result: "i32" },
      failThenLoop: { params: ["i32"], result: "i32" },
      loopFirst: { params: ["i32"], result: "i32" },
      wait: { params: [], result: "i32" },
    }),
  ],
  timeout: TIMEOUT_MS,
});

let report: Record<string, unknown>;
if (Deno.args[0] === "loop") {
  // Let the pool settle so the measurement sees a warm pool, as in production.
  await pool.execute("echo", "warm");
  const started = performance.now();
  const error = await pool.execute("spin").then(() => undefined, (e: Error) => e);
  const rejectedAfter = performance.now() - started;
  const nextStarted = performance.now();
  const next = await pool.execute("echo", "next");
  report = {
    error: error?.name,
    message: error?.message,
    rejectedAfter,
    next,
    nextAfter: performance.now() - nextStarted,
  };
} else if (Deno.args[0] === "queued") {
  // Two batches at once on one instance: the second is handed to the worker as its next job while the first
  // runs, and must survive the first one's hang.
  const [first, second] = await Promise.all([
    pool.batch("step", [[0], [1], [2], [3]]),
    pool.batch("step", [[5], [6], [7]]),
  ]);
  report = {
    results: [...first, ...second].map((r) => r.ok ? r.value : `${r.error.name}: ${r.error.message}`),
    hits,
  };
} else if (Deno.args[0] === "busy") {
  // The first call fails, so the worker makes a new instance (with a new interrupt flag) for the second, which
  // loops; the main thread is busy meanwhile, past the timeout. The timeout must still stop the new instance.
  const done = pool.batch("failThenLoop", [[0], [1]]);
  const until = performance.now() + 3 * TIMEOUT_MS;
  while (performance.now() < until) { /* busy, e.g. encoding a large batch */ }
  const results = await done;
  report = { results: results.map((r) => r.ok ? r.value : r.error.name) };
} else if (Deno.args[0] === "start") {
  // Start code (AssemblyScript's top-level statements) that never ends: creating the pool must fail.
  const error = await ExecutionContextPool.create({
    plugin: await compileSnippet(`let n = 0; while (true) { n++; } export function f(): i32 { return n; }`),
    traits: [new AssemblyScriptEnv(), new PluginExports({ f: { params: [], result: "i32" } })],
    timeout: TIMEOUT_MS,
  }).then(() => undefined, (e: Error) => e);
  report = { error: error?.name, message: error?.message };
} else if (Deno.args[0] === "restart") {
  // The third instance's start code aborts: the first worker's replacement, after its first call failed.
  let starts = 0;
  const restartPool = await ExecutionContextPool.create({
    plugin: await compileSnippet(`
      @external("starts", "count") declare function count(): i32;
      if (count() == 3) abort("start code of a replacement");
      export function f(i: i32): i32 { if (i == 0) abort("call fails"); return i * 10; }
    `),
    traits: [
      new AssemblyScriptEnv(),
      new PluginExports({ f: { params: ["i32"], result: "i32" } }),
      {
        name: "Starts",
        requiredExports: {},
        hostFunctions: [
          hostFunction({
            namespace: "starts",
            name: "count",
            params: [],
            result: "i32",
            run: () => ++starts,
          }),
        ],
      },
    ],
    timeout: TIMEOUT_MS,
  });
  const results = await restartPool.batch("f", [[0], [1], [2]]);
  await restartPool.close();
  report = { results: results.map((r) => r.ok ? r.value : r.error.name) };
} else if (Deno.args[0] === "withdrawn") {
  // A call with a signal is in the worker behind a hung one when the signal aborts: after the timeout it is
  // withdrawn with the signal's reason, not run elsewhere.
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("gave up")), TIMEOUT_MS / 2);
  const results = await pool.batch("loopFirst", [[0], [1], [2]], { signal: controller.signal });
  report = { results: results.map((r) => r.ok ? r.value : r.error.message) };
} else if (Deno.args[0] === "host") {
  const error = await pool.execute("wait").then(() => undefined, (e: Error) => e);
  report = { error: error?.name, message: error?.message };
} else {
  const results = await pool.batch("step", [[0], [1], [2], [3], [4]]);
  report = {
    results: results.map((r) => r.ok ? r.value : `${r.error.name}: ${r.error.message}`),
    hits,
  };
}
// CPU the process uses while idle after the timeout: near zero once the hung worker's thread has ended.
const cpuBefore = cpuSeconds();
await new Promise((resolve) => setTimeout(resolve, 500));
report.idleCpuSeconds = cpuSeconds() - cpuBefore;
await pool.close();
console.log(JSON.stringify({ timeoutMs: TIMEOUT_MS, ...report }));
