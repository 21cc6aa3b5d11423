/** The converter's wire writer produces the same bytes as protobufjs's Writer for every kind of value. */
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { longBitsOfDecimal, longBitsOfNumber, WireWriter } from "../lib/teleport_json/wire_writer.ts";

type Step = [name: string, ours: (w: WireWriter) => void, theirs: (w: protobuf.Writer) => void];

/** A protobufjs Long (the `long` package bundled with protobufjs) from decimal text. */
const Long = protobuf.util.Long as unknown as { fromString(text: string, unsigned: boolean): protobuf.Long };
const long = (text: string, unsigned = false) => Long.fromString(text, unsigned);

const STEPS: Step[] = [
  ["uint32", (w) => w.uint32(300), (w) => w.uint32(300)],
  ["uint32 max", (w) => w.uint32(0xffffffff), (w) => w.uint32(0xffffffff)],
  ["negative int32", (w) => w.int32(-2), (w) => w.int32(-2)],
  ["sint32", (w) => w.sint32(-3), (w) => w.sint32(-3)],
  ["fixed32", (w) => w.fixed32(0xdeadbeef), (w) => w.fixed32(0xdeadbeef)],
  ["int64 safe", (w) => w.int64(longBitsOfNumber(1708714617)), (w) => w.int64(1708714617)],
  ["int64 negative", (w) => w.int64(longBitsOfNumber(-62135596800)), (w) => w.int64(-62135596800)],
  [
    "uint64 max",
    (w) => w.int64(longBitsOfDecimal("18446744073709551615")),
    (w) => w.uint64(long("18446744073709551615", true)),
  ],
  [
    "sint64 beyond 2^53",
    (w) => w.sint64(longBitsOfDecimal("-9007199254740993")),
    (w) => w.sint64(long("-9007199254740993")),
  ],
  ["sint64 small", (w) => w.sint64(longBitsOfNumber(-1)), (w) => w.sint64(-1)],
  [
    "fixed64",
    (w) => w.fixed64(longBitsOfDecimal("-9007199254740995")),
    (w) => w.sfixed64(long("-9007199254740995")),
  ],
  ["bool", (w) => w.bool(true), (w) => w.bool(true)],
  ["double", (w) => w.double(2.5), (w) => w.double(2.5)],
  ["float", (w) => w.float(0.5), (w) => w.float(0.5)],
  ["ascii string", (w) => w.string("teleport"), (w) => w.string("teleport")],
  ["non-ascii string", (w) => w.string("héllo ✓ 𝄞"), (w) => w.string("héllo ✓ 𝄞")],
  ["long string", (w) => w.string("x".repeat(300)), (w) => w.string("x".repeat(300))],
  ["bytes", (w) => w.bytes(new Uint8Array([1, 2, 3])), (w) => w.bytes(new Uint8Array([1, 2, 3]))],
  [
    "nested sub-messages of 1, 200 and 20000 bytes",
    (w) => {
      w.uint32(10).fork().uint32(18).fork().string("a".repeat(20000)).ldelim().string("b".repeat(200))
        .ldelim();
      w.uint32(26).fork().ldelim();
    },
    (w) => {
      w.uint32(10).fork().uint32(18).fork().string("a".repeat(20000)).ldelim().string("b".repeat(200))
        .ldelim();
      w.uint32(26).fork().ldelim();
    },
  ],
];

for (const [name, ours, theirs] of STEPS) {
  Deno.test(`WireWriter: ${name} matches protobufjs`, () => {
    const writer = new WireWriter(4);
    ours(writer);
    const reference = protobuf.Writer.create();
    theirs(reference);
    assert.deepEqual([...writer.finish()], [...reference.finish()]);
  });
}

Deno.test("WireWriter: finish empties the writer for reuse; an unbalanced ldelim is an error", () => {
  const writer = new WireWriter();
  writer.uint32(8).uint32(1);
  assert.deepEqual([...writer.finish()], [8, 1]);
  assert.deepEqual([...writer.uint32(16).uint32(2).finish()], [16, 2]);
  assert.throws(() => writer.ldelim(), /without fork/);
  writer.fork();
  assert.throws(() => writer.finish(), /unterminated fork/);
  writer.reset();
  assert.deepEqual([...writer.finish()], []);
});

Deno.test("WireWriter: finished messages are views that later messages, slab changes and resets never touch", () => {
  const writer = new WireWriter(16);
  const first = writer.uint32(8).uint32(1).finish();
  // The second message outgrows the slab with a fork open: it moves to a new slab, marks and forks still hold.
  writer.uint32(10).fork();
  const mark = writer.length;
  writer.string("x".repeat(40));
  writer.truncate(mark).string("y".repeat(200)).ldelim();
  const second = writer.finish();
  writer.uint32(24).uint32(3);
  writer.reset();
  const third = writer.uint32(32).uint32(4).finish();
  assert.deepEqual([...first], [8, 1]);
  const reference = protobuf.Writer.create().uint32(10).fork().string("y".repeat(200)).ldelim().finish();
  assert.deepEqual([...second], [...reference]);
  assert.deepEqual([...third], [32, 4]);
});

Deno.test("WireWriter: strings of every length class match protobufjs, also when they end exactly at a slab's end", () => {
  for (const length of [0, 1, 2, 47, 48, 60, 127, 128, 300, 16383, 16384, 70000]) {
    for (const text of ["a".repeat(length), "é".repeat(length), "a😀".repeat(length / 3)]) {
      for (let slab = 1; slab <= 8; slab++) {
        const writer = new WireWriter(slab);
        writer.uint32(8).uint32(1).finish();
        const ours = writer.uint32(10).string(text).finish();
        const theirs = protobuf.Writer.create().uint32(10).string(text).finish();
        assert.deepEqual([...ours], [...theirs], `${length} chars, slab ${slab}`);
      }
    }
  }
});
