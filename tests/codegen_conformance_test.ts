/**
 * Conformance of generated AssemblyScript with protobufjs: for every message type of a schema, random
 * messages encoded by protobufjs are decoded and re-encoded by the generated code and must come back equal,
 * byte for byte, to protobufjs's canonical encoding.
 */
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { directorySource, loadProtoRoot } from "../lib/proto/loader.ts";
import { bundledSchema } from "../lib/proto/schema.ts";
import { buildRoundTripper, messageTypes } from "./codegen_harness.ts";
import { Random, randomMessage, type Shape } from "./codegen_random.ts";

const FIXTURES = new URL("./fixtures/codegen/", import.meta.url).pathname;
const PROTO = new URL("../proto/", import.meta.url).pathname;

/**
 * The encoding the generated code produces: protobufjs's, except that a singular (non-oneof) message field
 * whose own encoding is empty is left out, since generated message fields are never null and "empty"
 * means "not set". A oneof's message member is left as protobufjs wrote it: the generated code keeps the
 * bytes of a member that nothing accessed and writes them back unchanged.
 */
function canonical(type: protobuf.Type, message: protobuf.Message): Uint8Array {
  const strip = (t: protobuf.Type, m: Record<string, unknown>) => {
    for (const field of t.fieldsArray) {
      const value = m[field.name];
      if (!(field.resolvedType instanceof protobuf.Type) || value == null || field.partOf) continue;
      const child = field.resolvedType;
      if (field instanceof protobuf.MapField) {
        for (const v of Object.values(value as Record<string, Record<string, unknown>>)) strip(child, v);
      } else if (field.repeated) {
        for (const v of value as Record<string, unknown>[]) strip(child, v);
      } else {
        strip(child, value as Record<string, unknown>);
        if (child.encode(value as protobuf.Message).len === 0) {
          delete m[field.name];
        }
      }
    }
  };
  const copy = type.decode(type.encode(message).finish());
  strip(type, copy as unknown as Record<string, unknown>);
  return type.encode(copy).finish();
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function checkSchema(root: protobuf.Root, randomPerType: number, seed: number): Promise<number> {
  const types = messageTypes(root);
  const tripper = await buildRoundTripper(root, types, "debug");
  const rng = new Random(seed);
  let checked = 0;
  for (const [index, type] of types.entries()) {
    const shapes: Shape[] = ["empty", "maximal", ...Array<Shape>(randomPerType).fill("random")];
    for (const [n, shape] of shapes.entries()) {
      const message = type.fromObject(randomMessage(type, rng, shape));
      const input = type.encode(message).finish();
      const output = tripper.roundTrip(index, input);
      const expected = canonical(type, message);
      const context = `${type.fullName.slice(1)} #${n} (${shape})`;
      assert.deepEqual(
        type.toObject(type.decode(output), { longs: String, bytes: String, defaults: true }),
        type.toObject(type.decode(expected), { longs: String, bytes: String, defaults: true }),
        `${context}: decoded messages differ`,
      );
      assert.equal(hex(output), hex(expected), `${context}: encodings differ`);
      checked++;
    }
  }
  return checked;
}

Deno.test("generated code round-trips every message of the every-feature schema like protobufjs", async () => {
  const { root } = loadProtoRoot(["feature/everything.proto"], directorySource([FIXTURES, PROTO]));
  const checked = await checkSchema(root, 100, 1);
  assert.ok(checked >= 13 * 102, `checked ${checked} messages`);
});

Deno.test("generated code round-trips every message of the bundled Teleport schema like protobufjs", async () => {
  const { root } = bundledSchema();
  const checked = await checkSchema(root, 20, 2);
  assert.ok(checked > 100 * 22, `checked ${checked} messages`);
});
