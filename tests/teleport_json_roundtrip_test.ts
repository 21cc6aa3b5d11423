/**
 * Round trips of every event in the bundled schema: a maximal instance of each OneOf member (every field set,
 * 64-bit values beyond 2^53, nanosecond times, Struct, Traits, maps, repeated messages) rendered to Teleport
 * JSON, parsed back to events.OneOf and rendered again must give the same JSON.
 */
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { bundledSchema } from "../lib/proto/schema.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";

const { root, oneOf } = bundledSchema();
const PREFIX = "roundtrip:";
// Each member gets its own type string, so that members without a Teleport type string are covered too.
const codec = new TeleportJsonCodec({
  root,
  memberOf: (type) => type.startsWith(PREFIX) ? type.slice(PREFIX.length) : undefined,
});

const LONG_SAMPLES: Record<string, string> = {
  int64: "9007199254740993",
  sint64: "-9007199254740993",
  sfixed64: "-9007199254740995",
  uint64: "18446744073709551615",
  fixed64: "18446744073709551557",
};

function scalarSample(field: protobuf.Field): unknown {
  if (field.resolvedType instanceof protobuf.Enum) {
    const numbers = Object.values(field.resolvedType.values);
    return numbers[numbers.length - 1];
  }
  if (field.type in LONG_SAMPLES) return LONG_SAMPLES[field.type];
  switch (field.type) {
    case "string":
      return `${field.name}-value`;
    case "bool":
      return true;
    case "bytes":
      return "AQIDBA==";
    case "double":
      return 2.5;
    case "float":
      return 0.5;
    default:
      return 7;
  }
}

function wellKnownSample(type: protobuf.Type): unknown {
  switch (type.fullName) {
    case ".google.protobuf.Timestamp":
      return { seconds: 1708714617, nanos: 648137154 };
    case ".google.protobuf.Struct":
      return {
        fields: {
          s: { string_value: "x" },
          n: { number_value: 20 },
          z: { null_value: 0 },
          l: { list_value: { values: [{ bool_value: true }, { struct_value: { fields: {} } }] } },
        },
      };
    case ".google.protobuf.Value":
      return { string_value: "v" };
    case ".google.protobuf.ListValue":
      return { values: [{ number_value: 1 }] };
  }
  return undefined;
}

/** Every field set (one member per oneof), recursing up to a depth that ends self-referencing types. */
function maximal(type: protobuf.Type, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const filledOneofs = new Set<string>();
  for (const field of type.fieldsArray) {
    if (field.partOf) {
      if (filledOneofs.has(field.partOf.name)) continue;
      filledOneofs.add(field.partOf.name);
    }
    const resolved = field.resolvedType;
    const one = (): unknown => {
      if (resolved instanceof protobuf.Type) return wellKnownSample(resolved) ?? maximal(resolved, depth + 1);
      return scalarSample(field);
    };
    if (resolved instanceof protobuf.Type && depth >= 5) continue;
    if (field.map) out[field.name] = { alpha: one(), beta: one() };
    else if (field.repeated) out[field.name] = [one(), one()];
    else out[field.name] = one();
  }
  return out;
}

/** The embedded `events.Metadata` of a member message, where the type string lives. */
function metadataField(type: protobuf.Type): protobuf.Field | undefined {
  return type.fieldsArray.find((f) => f.resolvedType?.fullName === ".events.Metadata");
}

const members = oneOf.oneofsArray[0].fieldsArray;

Deno.test("every OneOf member of the bundled schema carries an events.Metadata", () => {
  assert.ok(members.length > 100);
  assert.deepEqual(
    members.filter((m) => !metadataField(m.resolvedType as protobuf.Type)).map((m) => m.name),
    [],
  );
});

for (const member of members.filter((m) => m.name !== "Unknown")) {
  Deno.test(`round trip: maximal ${member.name} -> JSON -> events.OneOf -> the same JSON`, () => {
    const type = member.resolvedType as protobuf.Type;
    const event = maximal(type);
    (event[metadataField(type)!.name] as Record<string, unknown>).Type = PREFIX + member.name;
    const bytes = oneOf.encode(oneOf.fromObject({ [member.name]: event })).finish();
    const json = codec.renderMessage(bytes);

    const parsed = codec.toEvent(json);
    assert.equal(parsed.fallback, undefined);
    assert.equal(parsed.member, member.name);
    assert.deepEqual(JSON.parse(codec.renderMessage(parsed.bytes)), JSON.parse(json));
    // Large 64-bit values travel as exact JSON integers.
    if (json.includes("9007199254740993")) assert.doesNotMatch(json, /9007199254740992/);
    // The bytes are canonical (field-number order, no empty sub-messages, no defaults): an encoder that
    // re-encodes what it decoded, as plugins do, writes the very same bytes, so the line is forwarded verbatim.
    assert.deepEqual([...oneOf.encode(oneOf.decode(parsed.bytes)).finish()], [...parsed.bytes]);
    // And unchanged, the line goes out as it came.
    assert.equal(codec.renderEvent(parsed, parsed.bytes), json);
  });
}

Deno.test("round trip: an Unknown renders as the original line it carries, and parses back to the same Unknown", () => {
  const original = {
    event: "brand.new",
    code: "TX001I",
    time: "2024-02-23T18:56:57.648137154Z",
    extra: [1, 2],
  };
  const bytes = oneOf.encode(oneOf.fromObject({
    Unknown: {
      Metadata: { Type: "unknown", Code: "TCC00E", Time: { seconds: 1708714617, nanos: 648137154 } },
      UnknownType: "brand.new",
      UnknownCode: "TX001I",
      Data: JSON.stringify(original),
    },
  })).finish();
  const json = codec.renderMessage(bytes);
  assert.equal(json, JSON.stringify(original));
  const parsed = codec.toEvent(json);
  assert.equal(parsed.member, "Unknown");
  assert.deepEqual(JSON.parse(codec.renderMessage(parsed.bytes)), JSON.parse(json));
});
