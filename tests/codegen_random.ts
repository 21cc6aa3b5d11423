/**
 * Seeded random protobuf messages for the code generator's conformance tests, as plain objects that
 * protobufjs's `fromObject` accepts (64-bit integers as decimal strings, bytes as Uint8Array).
 *
 * @module
 */
import protobuf from "protobufjs";

/** How a message is filled: every field at its default, every field set, or each field by chance. */
export type Shape = "empty" | "maximal" | "random";

/** A small deterministic generator (mulberry32). */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const TEXTS = [
  "",
  "a",
  "foo",
  "secret-santa",
  "héllo wörld",
  "日本語テキスト",
  "emoji 🎉🔐",
  "tab\tnew\nline",
  "\u0000nul",
];

function randomBigInt(rng: Random, signed: boolean, bits: 32 | 64): bigint {
  const max = 1n << BigInt(signed ? bits - 1 : bits);
  const extremes = signed ? [0n, 1n, -1n, max - 1n, -max] : [0n, 1n, max - 1n, 127n, 128n];
  if (rng.chance(0.3)) return rng.pick(extremes);
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(rng.int(0x10000));
  value &= (1n << BigInt(rng.int(bits) + 1)) - 1n; // vary the magnitude, so varints of every length occur
  if (signed && rng.chance(0.5)) value = -value;
  return signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
}

function randomScalar(type: string, rng: Random): unknown {
  switch (type) {
    case "double":
      return rng.pick([
        0,
        1.5,
        -2.25,
        Number.MAX_VALUE,
        Number.MIN_VALUE,
        Infinity,
        -Infinity,
        rng.next() * 1e12,
      ]);
    case "float":
      return Math.fround(rng.pick([0, 1.5, -2.25, 3.4e38, -1e-30, rng.next() * 1e6]));
    case "int32":
    case "sint32":
    case "sfixed32":
      return Number(randomBigInt(rng, true, 32));
    case "uint32":
    case "fixed32":
      return Number(randomBigInt(rng, false, 32));
    case "int64":
    case "sint64":
    case "sfixed64":
      return randomBigInt(rng, true, 64).toString();
    case "uint64":
    case "fixed64":
      return randomBigInt(rng, false, 64).toString();
    case "bool":
      return rng.chance(0.5);
    case "string":
      return rng.pick(TEXTS) + (rng.chance(0.2) ? "x".repeat(rng.int(300)) : "");
    case "bytes":
      return Uint8Array.from({ length: rng.pick([0, 1, 7, 200]) }, () => rng.int(256));
  }
  throw new Error(`no random values for scalar type ${type}`);
}

function randomValue(field: protobuf.Field, rng: Random, shape: Shape, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const values = Object.values(resolved.values);
    return rng.chance(0.9) ? rng.pick(values) : rng.int(1000) - 500; // unknown enum values are kept too
  }
  if (resolved instanceof protobuf.Type) {
    return randomMessage(resolved, rng, shape === "empty" ? "random" : shape, depth + 1);
  }
  return randomScalar(field.type, rng);
}

function randomKey(keyType: string, rng: Random): string | number | boolean {
  const key = randomScalar(keyType, rng);
  return typeof key === "string" || typeof key === "number" || typeof key === "boolean" ? key : String(key);
}

/**
 * A random message of `type` as a plain object. Nesting stops at depth 4; lists and maps are sometimes
 * large (up to a few hundred entries) so that multi-byte lengths occur.
 */
export function randomMessage(
  type: protobuf.Type,
  rng: Random,
  shape: Shape,
  depth = 0,
): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  if (shape === "empty" || depth > 4) return message;
  const setField = (field: protobuf.Field) => {
    if (field instanceof protobuf.MapField) {
      const map: Record<string, unknown> = {};
      const count = shape === "maximal" ? 3 : rng.pick([0, 1, 2, 5, depth === 0 ? 150 : 3]);
      for (let i = 0; i < count; i++) {
        map[String(randomKey(field.keyType, rng))] = randomValue(field, rng, shape, depth);
      }
      message[field.name] = map;
    } else if (field.repeated) {
      const count = shape === "maximal" ? 3 : rng.pick([0, 1, 2, 4, depth === 0 ? 300 : 3]);
      message[field.name] = Array.from({ length: count }, () => randomValue(field, rng, shape, depth));
    } else {
      message[field.name] = randomValue(field, rng, shape, depth);
    }
  };
  for (const field of type.fieldsArray) {
    if (field.partOf) continue;
    if (shape === "maximal" || rng.chance(0.6)) setField(field);
  }
  for (const oneof of type.oneofsArray) {
    if (shape === "maximal" || rng.chance(0.7)) setField(rng.pick(oneof.fieldsArray));
  }
  return message;
}
