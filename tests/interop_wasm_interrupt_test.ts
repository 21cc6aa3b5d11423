import assert from "node:assert/strict";
import { INTERRUPT_EXPORT, makeInterruptible, START_EXPORT } from "../lib/interop/wasm_interrupt.ts";
import { WasmFormatError } from "../lib/interop/wasm_binary.ts";
import { compileSnippet } from "./helpers/assemblyscript.ts";

const SOURCE = `
export function spin(): void { while (true) {} }
export function sum(n: i32): i32 {
  let total = 0;
  for (let i = 0; i < n; i++) total += i;
  const parts = new Array<string>();
  parts.push("x" + total.toString());
  return total + parts.length;
}
`;

for (const target of ["debug", "release"] as const) {
  Deno.test(`makeInterruptible (${target} build): loops run unchanged until the flag is set, then trap`, async () => {
    const binary = makeInterruptible(await compileSnippet(SOURCE, { target }));
    const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, {
      env: { abort() {}, seed: () => 1, trace() {} },
    });
    // The start function, if the module has one, is now an export to call right after instantiating.
    (instance.exports[START_EXPORT] as (() => void) | undefined)?.();
    assert.equal((instance.exports.sum as (n: number) => number)(100), 4951);
    const flag = instance.exports[INTERRUPT_EXPORT];
    assert.ok(flag instanceof WebAssembly.Memory && flag.buffer instanceof SharedArrayBuffer);
    Atomics.store(new Int32Array(flag.buffer), 0, 1);
    assert.throws(() => (instance.exports.spin as () => void)(), /unreachable/);
    assert.throws(() => (instance.exports.sum as (n: number) => number)(3), /unreachable/);
  });
}

Deno.test("makeInterruptible: start code runs when the export is called, and its loops can be interrupted", async () => {
  const binary = makeInterruptible(
    await compileSnippet(
      `export let spins = 0; while (spins >= 0) { spins++; } export function f(): i32 { return 1; }`,
    ),
  );
  // Instantiating no longer runs the start code (it would never return).
  const { instance } = await WebAssembly.instantiate(binary as BufferSource, {
    env: { abort() {}, seed: () => 1, trace() {} },
  });
  const flag = instance.exports[INTERRUPT_EXPORT] as WebAssembly.Memory;
  Atomics.store(new Int32Array(flag.buffer), 0, 1);
  assert.throws(() => (instance.exports[START_EXPORT] as () => void)(), /unreachable/);
});

Deno.test("makeInterruptible rejects bytes that are not WebAssembly", () => {
  assert.throws(() => makeInterruptible(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), WasmFormatError);
});
