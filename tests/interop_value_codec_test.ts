/**
 * The value encoding used across threads (batch arguments, call results, host function channel): every
 * declared type round-trips exactly, through shared and plain growable buffers, with payloads 8-byte aligned.
 */
import assert from "node:assert/strict";
import { growableShared, ValueReader, ValueWriter } from "../lib/interop/value_codec.ts";
import type { ResultType } from "../lib/interop/types.ts";

const STRINGS = [
  "",
  "a",
  "\uFEFF",
  "\uFEFFhello",
  "héllo — ✓ 日本語 🎉",
  "a\uD800b\uDC00\uFFFD",
  "x".repeat(70_000),
];
const TEXTS = ["", "F", "\uFEFF", "\uFEFF{}", "é", "ünïcödé ".repeat(9), "🙂".repeat(40), "y".repeat(33)];

function roundTrip(buffer: ArrayBuffer | SharedArrayBuffer, values: [ResultType, unknown][]): unknown[] {
  const writer = new ValueWriter(buffer);
  for (const [type, value] of values) writer.value(type, value, "value");
  const reader = new ValueReader(buffer);
  const read = values.map(([type]) => reader.value(type));
  assert.equal(reader.offset, writer.offset, "the reader ends where the writer did");
  return read;
}

for (
  const [kind, make] of [
    ["shared", () => growableShared(16, 1 << 24)],
    ["plain", () => new ArrayBuffer(16, { maxByteLength: 1 << 24 })],
  ] as const
) {
  Deno.test(`value codec (${kind} buffer): strings, text, bytes and numbers round-trip exactly`, () => {
    const values: [ResultType, unknown][] = [
      ...STRINGS.map((s): [ResultType, unknown] => ["string", s]),
      ...TEXTS.map((s): [ResultType, unknown] => ["text", s]),
      ...Array.from(
        { length: 18 },
        (_, n): [ResultType, unknown] => ["bytes", new Uint8Array(n).map((_, i) => i + n)],
      ),
      ["i32", -7],
      ["i64", -(2n ** 63n)],
      ["f32", 0.5],
      ["f64", Math.PI],
      ["bool", true],
      ["bool", false],
    ];
    assert.deepEqual(roundTrip(make(), values), values.map(([, value]) => value));
  });
}

Deno.test("value codec: every payload starts 8-byte aligned, where copies into shared memory are fast", () => {
  const writer = new ValueWriter(growableShared(16, 1 << 20));
  const reader = new ValueReader(writer.buffer);
  for (let n = 0; n < 20; n++) {
    writer.u32(n); // misalign on purpose
    writer.bytes(new Uint8Array(n));
    writer.text("t".repeat(n));
  }
  for (let n = 0; n < 20; n++) {
    assert.equal(reader.u32(), n);
    assert.equal(reader.rawBytes().byteOffset % 8, 0);
    assert.equal(reader.rawBytes().byteOffset % 8, 0);
  }
});

Deno.test("value codec: a value beyond the buffer's maximum size is refused with its size", () => {
  const writer = new ValueWriter(new ArrayBuffer(8, { maxByteLength: 64 }));
  assert.throws(
    () => writer.bytes(new Uint8Array(100)),
    /encoded values need \d+ bytes, more than the 64 allowed/,
  );
});
