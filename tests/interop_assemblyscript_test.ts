import assert from "node:assert/strict";
import {
  ARRAY_BUFFER_CLASS_ID,
  AssemblyScriptMemoryInterop,
  MissingRuntimeExportsError,
  ObjectTypeError,
  STRING_CLASS_ID,
} from "../lib/interop/assemblyscript.ts";
import { inspectWasm, limitMemory, WasmFormatError } from "../lib/interop/wasm_binary.ts";
import { compileSnippet, ECHO_AND_REVERSE } from "./helpers/assemblyscript.ts";

const SOURCE = `
export function ids(): i32 { return idof<ArrayBuffer>() * 100 + idof<String>(); }
${ECHO_AND_REVERSE}
export function add(a: i64, b: f64): f64 { return <f64>a + b; }
`;

async function instantiateBytes(bytes: Uint8Array): Promise<WebAssembly.Instance> {
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  return await WebAssembly.instantiate(module, { env: { abort() {} } });
}

async function instantiate() {
  const instance = await instantiateBytes(await compileSnippet(SOURCE));
  return { exports: instance.exports, interop: new AssemblyScriptMemoryInterop(instance.exports) };
}

Deno.test("class ids are the ones the AssemblyScript compiler assigns (ArrayBuffer and String differ)", async () => {
  const { exports } = await instantiate();
  assert.equal((exports.ids as () => number)(), ARRAY_BUFFER_CLASS_ID * 100 + STRING_CLASS_ID);
  assert.notEqual(ARRAY_BUFFER_CLASS_ID, STRING_CLASS_ID);
});

Deno.test("strings round-trip through plugin memory: empty, non-ASCII, lone surrogate", async () => {
  const { exports, interop } = await instantiate();
  const echo = exports.echo as (ptr: number) => number;
  for (const text of ["", "plain", "héllo wörld — ✓ 日本語 🎉", "\ud800 lone"]) {
    const ptr = interop.pin(interop.newString(text));
    assert.equal(interop.sizeOf(ptr), text.length * 2);
    assert.equal(interop.classIdOf(ptr), STRING_CLASS_ID);
    assert.equal(interop.getString(echo(ptr)), text);
    interop.unpin(ptr);
  }
});

Deno.test("ArrayBuffers round-trip through plugin memory: empty and 10 MB", async () => {
  const { exports, interop } = await instantiate();
  const reverse = exports.reverse as (ptr: number) => number;
  const big = new Uint8Array(10 * 1024 * 1024).map((_, i) => i * 7);
  for (const bytes of [new Uint8Array(), big]) {
    const ptr = interop.pin(interop.newArrayBuffer(bytes));
    assert.equal(interop.classIdOf(ptr), ARRAY_BUFFER_CLASS_ID);
    const out = interop.getArrayBuffer(reverse(ptr));
    interop.unpin(ptr);
    assert.deepEqual(out, bytes.slice().reverse());
  }
});

Deno.test("reading an object as the wrong class or a null pointer fails clearly", async () => {
  const { interop } = await instantiate();
  const ptr = interop.newArrayBuffer(new Uint8Array([1]));
  assert.throws(() => interop.getString(ptr), ObjectTypeError);
  assert.throws(() => interop.getString(0), /got null/);
});

Deno.test("a module without the runtime exports is rejected, naming what is missing", async () => {
  const instance = await instantiateBytes(await compileSnippet(SOURCE));
  const { __new: _new, __pin: _pin, ...rest } = instance.exports;
  assert.throws(() => new AssemblyScriptMemoryInterop(rest), (error: unknown) => {
    assert.ok(error instanceof MissingRuntimeExportsError);
    assert.deepEqual(error.missing, ["__new", "__pin"]);
    assert.match(error.message, /--exportRuntime/);
    return true;
  });
});

Deno.test("inspectWasm reads import and export signatures", async () => {
  const info = inspectWasm(await compileSnippet(SOURCE));
  assert.deepEqual(info.exports.find((e) => e.name === "add")?.type, {
    params: ["i64", "f64"],
    results: ["f64"],
  });
  assert.deepEqual(info.imports.find((i) => i.name === "abort")?.type, {
    params: ["i32", "i32", "i32", "i32"],
    results: [],
  });
  assert.equal(info.memories.length, 1);
  assert.throws(() => inspectWasm(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), WasmFormatError);
});

Deno.test("limitMemory caps memory.grow at the limit", async () => {
  const patched = limitMemory(await compileSnippet(SOURCE), 3);
  assert.equal(inspectWasm(patched).memories[0].maximumPages, 3);
  const instance = await instantiateBytes(patched);
  const memory = instance.exports.memory as WebAssembly.Memory;
  assert.throws(() => memory.grow(3));
  assert.throws(() => limitMemory(patched, 0), WasmFormatError);
});
