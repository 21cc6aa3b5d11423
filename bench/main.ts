/**
 * Entry of `deno task bench`: runs the benchmark modules named on the command line (all when none) and
 * prints each one's markdown table. Add a module by appending `{ name, run }` to {@linkcode BENCHMARKS}.
 *
 * Usage: `deno run -A --no-prompt bench/main.ts [name...]`
 *
 * @module
 */
import * as codec from "./codec.ts";
import * as convert from "./convert.ts";
import * as pipeline from "./pipeline.ts";
import * as pluginTest from "./plugin_test.ts";
import * as pool from "./pool.ts";
import * as store from "./store.ts";

/** A benchmark: `run` measures side by side in one run and returns a markdown table. */
export interface Benchmark {
  readonly name: string;
  readonly run: () => Promise<string>;
}

/** Every benchmark, in the order they run. */
export const BENCHMARKS: readonly Benchmark[] = [
  { name: "pool", run: () => pool.run() },
  { name: "codec", run: () => codec.run() },
  { name: "convert", run: () => convert.run() },
  { name: "store", run: () => store.run() },
  { name: "pipeline", run: () => pipeline.run() },
  { name: "plugin_test", run: () => pluginTest.run() },
];

if (import.meta.main) {
  const unknown = Deno.args.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(
      `error: unknown benchmark ${unknown.join(", ")} (known: ${BENCHMARKS.map((b) => b.name).join(", ")})`,
    );
    Deno.exit(1);
  }
  const selected = Deno.args.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => Deno.args.includes(b.name));
  for (const benchmark of selected) {
    console.log(`## ${benchmark.name}\n\n${await benchmark.run()}\n`);
  }
  // A plugin worker that was terminated in an endless loop would keep the process alive (denoland/deno#35657).
  Deno.exit(0);
}
