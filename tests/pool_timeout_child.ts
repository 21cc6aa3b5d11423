/**
 * Child process for the timeout tests. In Deno 2.9 a worker terminated while stuck in an endless loop keeps
 * its thread spinning and keeps the process from exiting (denoland/deno#35657), so the scenarios that leave
 * such a worker behind run here and end with `Deno.exit`. Prints one JSON line with what it observed.
 *
 * Usage: `deno run -A --no-prompt tests/pool_timeout_child.ts loop|batch`
 *
 * @module
 */
import { ExecutionContextPool, hostFunction, type Trait } from "../lib/pool/mod.ts";
import { AssemblyScriptEnv, PluginExports } from "../traits/mod.ts";
import { compileSnippet } from "./helpers/assemblyscript.ts";

const TIMEOUT_MS = 100;
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
  ];
}

const pool = await ExecutionContextPool.create({
  plugin: await compileSnippet(`
    @external("counter", "hit") declare function hit(i: i32): void;
    export function spin(): void { while (true) {} }
    export function echo(s: string): string { return s; }
    export function step(i: i32): i32 { hit(i); if (i == 2) { while (true) {} } return i * 10; }
  `),
  traits: [
    new AssemblyScriptEnv(),
    new Counter(),
    new PluginExports({
      spin: { params: [], result: "void" },
      echo: { params: ["string"], result: "string" },
      step: { params: ["i32"], result: "i32" },
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
} else {
  const results = await pool.batch("step", [[0], [1], [2], [3], [4]]);
  report = {
    results: results.map((r) => r.ok ? r.value : `${r.error.name}: ${r.error.message}`),
    hits,
  };
}
await pool.close();
console.log(JSON.stringify({ timeoutMs: TIMEOUT_MS, ...report }));
Deno.exit(0);
