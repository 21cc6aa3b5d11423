/**
 * Names that AssemblyScript reserves, or that generated code already uses, in every place a .proto schema can
 * put them (packages, messages, nested types, enums, enum values, fields, oneofs): the generated classes
 * compile with asc, round-trip messages byte for byte and can be used under their escaped names.
 */
import assert from "node:assert/strict";
import { loadProtoRoot, memorySource } from "../lib/proto/loader.ts";
import { CodegenError, generateAssemblyScript } from "../lib/codegen/generate.ts";
import { buildWithEntry } from "./codegen_harness.ts";

const RESERVED_SCHEMA: Record<string, string> = {
  "a.proto": `
    syntax = "proto3";
    // A keyword and a contextual keyword as package segments.
    package let.type;

    // Named like the runtime's base class; fields named like AssemblyScript types.
    message Message {
      enum Kind {
        i32 = 0;
        default = 1;
        override = 2;
        Map = 3;
      }
      message Reader {
        bytes Map = 1;
        bool bool = 2;
      }
      string string = 1;
      int32 i32 = 2;
      Kind kind = 3;
      Reader reader = 4;
      repeated Reader readers = 5;
      map<string, Reader> by_name = 6;
      oneof namespace {
        string override = 7;
        Reader inner = 8;
        int64 i64 = 9;
      }
    }

    // Shadowed the built-in string type of every string field of the package.
    enum string {
      ZERO = 0;
      let = 1;
      i32 = 2;
    }

    message Map {
      Message message = 1;
      .let.type.string kind = 2;
      string text = 3;
      repeated int64 numbers = 4;
      map<string, string> tags = 5;
      // Its private storage would be the class's _unknown, which keeps unknown fields.
      Message.Reader unknown = 6;
    }`,
  "b.proto": `
    syntax = "proto3";
    // A top-level package named like the runtime's Reader, imported next to it.
    package Reader;
    import "a.proto";

    message declare {
      let.type.Map map = 1;
      let.type.Message.Kind kind = 2;
    }`,
  "c.proto": `
    syntax = "proto3";
    // Types without a package are declared beside the runtime's imports.
    import "b.proto";

    message Writer {
      Reader.declare declared = 1;
      namespace nested = 2;
    }

    message namespace {
      string type = 1;
    }`,
};

/** The message every round trip starts from: every field set, no singular message empty. */
const WRITER = {
  declared: {
    map: {
      message: {
        string: "text",
        i32: -5,
        kind: 3,
        reader: { Map: [1, 2], bool: true },
        readers: [{ Map: [3] }, { bool: true }],
        by_name: { a: { bool: true, Map: [4] } },
        inner: { Map: [9], bool: true },
      },
      kind: 1,
      text: "t",
      numbers: [1, -2, 3],
      tags: { k: "v" },
      unknown: { bool: true },
    },
    kind: 1,
  },
  nested: { type: "ns" },
};

Deno.test("gen escapes reserved names with a trailing _, and the classes compile with asc and round-trip", async () => {
  const { root } = loadProtoRoot(["c.proto"], memorySource(RESERVED_SCHEMA));
  const files = generateAssemblyScript(root);
  assert.deepEqual([...files.keys()].sort(), [
    "Reader.ts",
    "index.ts",
    "let.ts",
    "no-package.ts",
    "protobuf-runtime.ts",
  ]);
  assert.match(
    files.get("index.ts")!,
    /^export \{ Reader_ \} from "\.\/Reader";\nexport \{ let_ \} from "\.\/let";$/m,
  );
  const let_ = files.get("let.ts")!;
  assert.match(let_, /^export namespace let_ \{\n+ {2}export namespace type_ \{$/m);
  assert.match(let_, /^ {4}export class Message_ extends Message \{$/m);
  assert.match(let_, /^ {6}export const i32_: i32 = 0;$/m);
  assert.match(let_, /^ {6}string: string = "";$/m);

  const built = await buildWithEntry(
    root,
    [
      'import { let_, Writer_ } from "./teleport";',
      "",
      "export function roundTrip(buf: ArrayBuffer): ArrayBuffer {",
      "  return Writer_.decode(buf).encode();",
      "}",
      "",
      "export function edit(buf: ArrayBuffer): ArrayBuffer {",
      "  const writer = Writer_.decode(buf);",
      "  const message: let_.type_.Message_ = writer.declared.map.message;",
      '  message.string += "!";',
      "  message.kind = let_.type_.Message_Kind.override_;",
      '  if (message.type == "inner") message.override_ = "chosen";',
      "  writer.declared.map.kind = let_.type_.string_.i32_;",
      "  writer.declared.kind = let_.type_.Message_Kind.default_;",
      '  writer.nested.type = "changed";',
      "  writer.declared.map.unknown_.Map = new ArrayBuffer(2);",
      "  return writer.encode();",
      "}",
    ].join("\n"),
    "debug",
  );

  const Writer = root.lookupType("Writer");
  const input = Writer.encode(Writer.fromObject(WRITER)).finish();
  assert.deepEqual(built.call("roundTrip", input), new Uint8Array(input));

  const edited = Writer.toObject(Writer.decode(built.call("edit", input)), { bytes: Array });
  const message = edited.declared.map.message;
  assert.equal(message.string, "text!");
  assert.equal(message.kind, 2);
  assert.equal(message.override, "chosen");
  assert.equal(message.inner, undefined);
  assert.deepEqual(message.by_name, { a: { bool: true, Map: [4] } });
  assert.equal(edited.declared.map.kind, 2);
  assert.equal(edited.declared.kind, 1);
  assert.deepEqual(edited.declared.map.unknown, { Map: [0, 0], bool: true });
  assert.deepEqual(edited.nested, { type: "changed" });
});

Deno.test("gen refuses two types that would get the same AssemblyScript name, naming both", () => {
  const generate = (proto: string) => {
    const { root } = loadProtoRoot(
      ["p.proto"],
      memorySource({ "p.proto": `syntax = "proto3"; package p; ${proto}` }),
    );
    return () => generateAssemblyScript(root);
  };
  assert.throws(
    generate("message let {} message let_ {}"),
    new CodegenError("p.let_ and p.let would both be named 'let_' in the generated code"),
  );
  assert.throws(
    generate("message Outer { message Inner {} } message Outer_Inner {}"),
    new CodegenError(
      "p.Outer_Inner and p.Outer.Inner would both be named 'Outer_Inner' in the generated code",
    ),
  );
});
