/**
 * How each protobuf scalar type is represented in AssemblyScript and read, written and sized on the wire.
 * Enums travel as int32.
 *
 * @module
 */

/** Protobuf wire types. */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** How packed repeated values of a scalar are written: a runtime `Writer.packed*` method and size function. */
export type PackedKind = "Varint" | "ZigZag" | "Fixed";

/** The AssemblyScript form of one protobuf scalar type. */
export interface Scalar {
  /** The AssemblyScript type, e.g. `i32` or `ArrayBuffer`. */
  asType: string;
  /** The zero value as an AssemblyScript expression. */
  zero: string;
  /** The wire type of a single value. */
  wireType: number;
  /** Reader expression for one value (`r` is the Reader). */
  read: string;
  /** Writer method call for one value, with `$` standing for the value (`w` is the Writer). */
  write: string;
  /** Encoded size of one value without its tag: a number for fixed widths, or an expression with `$`. */
  size: number | string;
  /**
   * The runtime's family of singular-field helpers, which skip proto3 default values:
   * `Writer.<family>Field` and `<family>FieldSize`.
   */
  family: "varint" | "zigzag" | "fixed" | "string" | "bytes";
  /** Packed encoding of repeated values; absent for string and bytes, which are never packed. */
  packed?: PackedKind;
  /** Runtime names the expressions above use, besides Reader and Writer. */
  uses: readonly string[];
}

const numeric = (
  asType: string,
  read: string,
  write: string,
  wireType: number,
  size: number | string,
  packed: PackedKind,
  uses: readonly string[] = [],
): Scalar => ({
  asType,
  zero: "0",
  wireType,
  read,
  write,
  size,
  family: packed === "Fixed" ? "fixed" : packed === "ZigZag" ? "zigzag" : "varint",
  packed,
  uses,
});

/** Every protobuf scalar type by its .proto name. */
export const SCALARS: Readonly<Record<string, Scalar>> = {
  double: numeric("f64", "r.fixed<f64>()", "w.fixed<f64>($)", WireType.fixed64, 8, "Fixed"),
  float: numeric("f32", "r.fixed<f32>()", "w.fixed<f32>($)", WireType.fixed32, 4, "Fixed"),
  int32: numeric("i32", "r.int32()", "w.int32($)", WireType.varint, "int32Size($)", "Varint", ["int32Size"]),
  int64: numeric("i64", "r.int64()", "w.int64($)", WireType.varint, "varintSize(<u64>$)", "Varint", [
    "varintSize",
  ]),
  uint32: numeric("u32", "r.uint32()", "w.uint32($)", WireType.varint, "varintSize($)", "Varint", [
    "varintSize",
  ]),
  uint64: numeric("u64", "r.uint64()", "w.uint64($)", WireType.varint, "varintSize($)", "Varint", [
    "varintSize",
  ]),
  sint32: numeric("i32", "r.sint32()", "w.sint32($)", WireType.varint, "sint32Size($)", "ZigZag", [
    "sint32Size",
  ]),
  sint64: numeric("i64", "r.sint64()", "w.sint64($)", WireType.varint, "sint64Size($)", "ZigZag", [
    "sint64Size",
  ]),
  fixed32: numeric("u32", "r.fixed<u32>()", "w.fixed<u32>($)", WireType.fixed32, 4, "Fixed"),
  fixed64: numeric("u64", "r.fixed<u64>()", "w.fixed<u64>($)", WireType.fixed64, 8, "Fixed"),
  sfixed32: numeric("i32", "r.fixed<i32>()", "w.fixed<i32>($)", WireType.fixed32, 4, "Fixed"),
  sfixed64: numeric("i64", "r.fixed<i64>()", "w.fixed<i64>($)", WireType.fixed64, 8, "Fixed"),
  bool: {
    asType: "bool",
    zero: "false",
    wireType: WireType.varint,
    read: "r.bool()",
    write: "w.bool($)",
    size: 1,
    family: "varint",
    packed: "Varint",
    uses: [],
  },
  string: {
    asType: "string",
    zero: '""',
    wireType: WireType.lengthDelimited,
    read: "r.string()",
    write: "w.string($)",
    size: "stringSize($)",
    family: "string",
    uses: ["stringSize"],
  },
  bytes: {
    asType: "ArrayBuffer",
    zero: "new ArrayBuffer(0)",
    wireType: WireType.lengthDelimited,
    read: "r.bytes()",
    write: "w.bytes($)",
    size: "bytesSize($)",
    family: "bytes",
    uses: ["bytesSize"],
  },
};

/** Enum values are int32 on the wire and in AssemblyScript. */
export const ENUM_SCALAR: Scalar = SCALARS.int32;

/** Substitutes `value` for `$` in one of a {@linkcode Scalar}'s expression templates. */
export function fill(template: string, value: string): string {
  return template.replaceAll("$", () => value);
}

/** The size of a varint, as the runtime's `varintSize` computes it, for tags known at generation time. */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}
