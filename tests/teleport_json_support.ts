/**
 * Helpers shared by the teleport_json tests: decoding OneOf bytes into comparable plain objects and writing
 * expected values the way Teleport's Go tests do (`time.Date`, `MustEncodeMap`).
 *
 * @module
 */
import type protobuf from "protobufjs";
import { chainSources, directorySource, loadProtoRoot } from "../lib/proto/loader.ts";
import { bundledProtoSource } from "../lib/proto/schema.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";

/** A decoded message as plain data: 64-bit integers and bytes as strings, enums as numbers. */
export type Plain = { [key: string]: unknown };

/** Decodes `events.OneOf` bytes into `{ Member: {...} }`, leaving out the empty sub-messages gogo always writes. */
export function decodePlain(oneOf: protobuf.Type, bytes: Uint8Array): Plain {
  const message = oneOf.decode(bytes);
  return prune(oneOf.toObject(message, { longs: String, enums: Number, bytes: String })) as Plain;
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (typeof value !== "object" || value === null) return value;
  const out: Plain = {};
  for (const [key, item] of Object.entries(value)) {
    const pruned = prune(item);
    if (
      typeof pruned === "object" && pruned !== null && !Array.isArray(pruned) &&
      Object.keys(pruned).length === 0
    ) {
      continue;
    }
    out[key] = pruned;
  }
  return out;
}

/** Go's `time.Date(year, month, day, hour, min, sec, nsec, time.UTC)` as a decoded Timestamp. */
export function goTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  nanos = 0,
): Plain {
  const seconds = String(Date.UTC(year, month - 1, day, hour, minute, second) / 1000);
  return nanos === 0 ? { seconds } : { seconds, nanos };
}

/** A JSON value as a decoded `google.protobuf.Struct` / `Value` (like Go's `MustEncodeMap`). */
export function structOf(object: Record<string, unknown>): Plain {
  const fields: Plain = {};
  for (const [key, value] of Object.entries(object)) fields[key] = valueOf(value);
  return { fields };
}

function valueOf(value: unknown): Plain {
  if (value === null) return { null_value: 0 };
  if (typeof value === "number") return { number_value: value };
  if (typeof value === "string") return { string_value: value };
  if (typeof value === "boolean") return { bool_value: value };
  if (Array.isArray(value)) return { list_value: { values: value.map(valueOf) } };
  return { struct_value: structOf(value as Record<string, unknown>) };
}

/** The fixture schema of tests/fixtures/teleport_json (package `fixture`) and a codec over it. */
export function fixtureCodec(): { root: protobuf.Root; oneOf: protobuf.Type; codec: TeleportJsonCodec } {
  const dir = new URL("./fixtures/teleport_json/", import.meta.url).pathname;
  const { root } = loadProtoRoot(
    ["fixture.proto"],
    chainSources(directorySource([dir]), bundledProtoSource()),
  );
  const members: Record<string, string> = { shadow: "Shadowing", kitchen: "Kitchen" };
  const codec = new TeleportJsonCodec({
    root,
    oneOfType: "fixture.OneOf",
    memberOf: (type) => members[type],
  });
  return { root, oneOf: root.lookupType("fixture.OneOf"), codec };
}
