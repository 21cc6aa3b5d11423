/**
 * Wire-level behaviour of generated code: unknown fields and unknown OneOf members survive a round trip
 * byte for byte, and malformed input ends in an AssemblyScript abort, never in a trap or a hang.
 */
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { directorySource, loadProtoRoot } from "../lib/proto/loader.ts";
import { bundledSchema } from "../lib/proto/schema.ts";
import { AbortError, buildRoundTripper } from "./codegen_harness.ts";
import { Random, randomMessage } from "./codegen_random.ts";

const FIXTURES = new URL("./fixtures/codegen/", import.meta.url).pathname;
const PROTO = new URL("../proto/", import.meta.url).pathname;

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("unknown fields and unknown OneOf members survive an AssemblyScript round trip byte for byte", async () => {
  const { root } = bundledSchema();
  const oneOf = root.lookupType("events.OneOf");
  const userLogin = root.lookupType("events.UserLogin");
  const request = root.lookupType("plugin.HandleEventRequest");
  const tripper = await buildRoundTripper(root, [oneOf, userLogin, request], "debug");

  // A UserLogin from a newer schema: known fields, then fields 900-903 of every wire type, one nested in
  // Metadata too.
  const metadata = protobuf.Writer.create().uint32(8).uint64(7).uint32((900 << 3) | 2).string("newer")
    .finish();
  const login = protobuf.Writer.create()
    .uint32(10).bytes(metadata)
    .uint32(34).string("local")
    .uint32((900 << 3) | 0).int64(-3)
    .uint32((901 << 3) | 1).fixed64(1234567890123)
    .uint32((902 << 3) | 2).bytes(new Uint8Array([1, 2, 3]))
    .uint32((903 << 3) | 5).fixed32(99)
    .finish();
  assert.equal(hex(tripper.roundTrip(1, login)), hex(login));

  // A OneOf whose member (number 400) this schema lacks, alone and inside a request.
  const unknownMember = protobuf.Writer.create().uint32((400 << 3) | 2).bytes(login).finish();
  assert.equal(hex(tripper.roundTrip(0, unknownMember)), hex(unknownMember));
  const wrapped = protobuf.Writer.create().uint32(10).bytes(unknownMember).finish();
  assert.equal(hex(tripper.roundTrip(2, wrapped)), hex(wrapped));

  // A known member carrying unknown fields.
  const knownMember = protobuf.Writer.create().uint32(10).bytes(login).finish();
  assert.equal(hex(tripper.roundTrip(0, knownMember)), hex(knownMember));
});

Deno.test("malformed input aborts with a message naming the problem", async () => {
  const { root } = loadProtoRoot(["feature/everything.proto"], directorySource([FIXTURES, PROTO]));
  const outer = root.lookupType("feature.v1.Outer");
  const tripper = await buildRoundTripper(root, [outer], "release");
  const cases: [string, number[], RegExp][] = [
    ["truncated varint", [0x18, 0xff], /truncated varint/],
    ["varint longer than 10 bytes", [0x18, ...Array(11).fill(0xff), 0x01], /varint longer than 10 bytes/],
    ["length past the end", [0x0a, 0x05, 0x0a], /length past the end/],
    ["invalid wire type", [0x1f], /invalid wire type 7/],
    ["group", [0x1b, 0x1c], /groups are not supported/],
    ["field number 0", [0x00, 0x01], /invalid field number 0/],
    ["nested value overruns its length", [0x0a, 0x02, 0x10, 0xff, 0x01], /overruns|truncated/],
  ];
  for (const [name, bytes, message] of cases) {
    assert.throws(() => tripper.roundTrip(0, Uint8Array.from(bytes)), (e: unknown) => {
      assert.ok(e instanceof AbortError, `${name}: expected an abort, got ${e}`);
      assert.match(e.message, message, name);
      return true;
    });
  }
  // Nesting is limited: Outer.inner holding Inner.children nested 100 deep decodes, 101 deep aborts.
  const nested = (levels: number): Uint8Array => {
    let bytes: Uint8Array = new Uint8Array(0);
    for (let i = 1; i < levels; i++) bytes = protobuf.Writer.create().uint32(26).bytes(bytes).finish();
    return protobuf.Writer.create().uint32(10).bytes(bytes).finish();
  };
  assert.equal(hex(tripper.roundTrip(0, nested(100))), hex(nested(100)));
  assert.throws(() => tripper.roundTrip(0, nested(101)), /messages nested more than 100 deep/);

  // The module keeps working after aborts.
  const valid = outer.encode(outer.fromObject({ text: "still alive" })).finish();
  assert.equal(hex(tripper.roundTrip(0, valid)), hex(valid));
});

Deno.test("10,000 mutated buffers each decode to a value or abort; nothing traps", async () => {
  const { root } = loadProtoRoot(["feature/everything.proto"], directorySource([FIXTURES, PROTO]));
  const types = ["feature.v1.Outer", "feature.v1.Maps", "feature.v1.Repeated", "feature.v1.Scalars"].map((
    name,
  ) => root.lookupType(name));
  const tripper = await buildRoundTripper(root, types, "release");
  const rng = new Random(7);
  let decoded = 0;
  let aborted = 0;
  for (let i = 0; i < 10_000; i++) {
    const index = rng.int(types.length);
    const type = types[index];
    const bytes = Uint8Array.from(
      type.encode(type.fromObject(randomMessage(type, rng, "random", 2))).finish(),
    );
    const mutated = mutate(bytes, rng);
    try {
      tripper.roundTrip(index, mutated);
      decoded++;
    } catch (e) {
      if (!(e instanceof AbortError)) throw new Error(`input ${hex(mutated)} of ${type.name}: ${e}`);
      aborted++;
    }
  }
  assert.equal(decoded + aborted, 10_000);
  assert.ok(decoded > 100 && aborted > 100, `decoded ${decoded}, aborted ${aborted}`);
});

function mutate(bytes: Uint8Array, rng: Random): Uint8Array {
  const out = Array.from(bytes);
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const at = rng.int(Math.max(out.length, 1));
    switch (rng.int(5)) {
      case 0:
        out[at] = rng.int(256);
        break;
      case 1:
        out[at] ^= 1 << rng.int(8);
        break;
      case 2:
        out.length = at;
        break;
      case 3:
        out.splice(at, 0, rng.int(256));
        break;
      case 4:
        out.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0xff);
        break;
    }
  }
  return Uint8Array.from(out);
}
