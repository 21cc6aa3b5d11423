/**
 * The `gen` command, run as a child process like a user would: it writes modules that asc compiles from disk
 * and that round-trip messages; bad input gives one clear line naming the file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileAssemblyScript } from "../lib/asc/compiler.ts";
import { directorySource, loadProtoRoot } from "../lib/proto/loader.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const FIXTURES = new URL("./fixtures/codegen/", import.meta.url).pathname;
const PROTO = new URL("../proto/", import.meta.url).pathname;

async function gen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", CLI, "gen", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/**
 * Compiles `assembly/index.ts` under `dir` (which exports `newBuffer` and `exportName(buf: ArrayBuffer):
 * ArrayBuffer`) and returns a function that passes bytes through that export.
 */
async function compileBufferExport(
  dir: string,
  exportName: string,
): Promise<(input: Uint8Array) => Uint8Array> {
  const { binary } = await compileAssemblyScript({ entries: ["assembly/index.ts"], baseDir: dir });
  const { instance } = await WebAssembly.instantiate(binary as BufferSource, { env: { abort() {} } });
  const wasm = instance.exports as unknown as {
    memory: WebAssembly.Memory;
    newBuffer(n: number): number;
    __pin(p: number): number;
    __unpin(p: number): void;
  } & Record<string, (p: number) => number>;
  return (input) => {
    const ptr = wasm.__pin(wasm.newBuffer(input.length));
    new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
    const result = wasm[exportName](ptr);
    wasm.__unpin(ptr);
    const length = new Uint32Array(wasm.memory.buffer)[(result - 4) >>> 2];
    return new Uint8Array(wasm.memory.buffer, result, length).slice();
  };
}

Deno.test("gen writes modules for an every-feature schema that compile with asc and round-trip", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    const out = join(dir, "vendor", "teleport");
    const result = await gen(
      "--proto-path",
      FIXTURES,
      "--proto-path",
      PROTO,
      "--out",
      out,
      "feature/everything.proto",
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Parsed 6 \.proto files, wrote 5 files/);
    const written = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(written, [
      "feature.ts",
      "google.ts",
      "index.ts",
      "no-package.ts",
      "protobuf-runtime.ts",
    ]);

    await Deno.mkdir(join(dir, "assembly"));
    await Deno.writeTextFile(
      join(dir, "assembly", "index.ts"),
      [
        'import { feature, google } from "../vendor/teleport";',
        "export function newBuffer(length: i32): ArrayBuffer { return new ArrayBuffer(length); }",
        "export function roundTrip(buf: ArrayBuffer): ArrayBuffer {",
        "  const outer = feature.v1.Outer.decode(buf);",
        '  if (outer.type == "picked") (outer.picked as feature.v1.Outer_Inner).name += "!";',
        "  return outer.encode();",
        "}",
      ].join("\n"),
    );
    const roundTrip = await compileBufferExport(dir, "roundTrip");

    const { root } = loadProtoRoot(["feature/everything.proto"], directorySource([FIXTURES, PROTO]));
    const Outer = root.lookupType("feature.v1.Outer");
    const input = Outer.encode(Outer.fromObject({ picked: { name: "inner", mood: -7 }, mood: 1, maybe: 0 }))
      .finish();
    const output = Outer.decode(roundTrip(input));
    assert.deepEqual(Outer.toObject(output), { picked: { name: "inner!", mood: -7 }, mood: 1, maybe: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen names the importing file and the proto paths when an import is missing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    await Deno.writeTextFile(
      join(dir, "a.proto"),
      'syntax = "proto3"; import "missing/b.proto"; message A {}',
    );
    const result = await gen("-I", dir, "--out", join(dir, "out"), "a.proto");
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.trim(),
      `error: missing/b.proto: file not found in proto paths '${dir}', then bundled google/protobuf and ` +
        "gogoproto files (imported by a.proto)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen takes google/protobuf and gogoproto imports from the proto paths first, then its bundled copies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    // Like Teleport's api/proto tree: the schema imports well-known types and gogoproto it does not ship.
    await Deno.writeTextFile(
      join(dir, "audit.proto"),
      [
        'syntax = "proto3";',
        "package audit;",
        'import "gogoproto/gogo.proto";',
        'import "google/protobuf/struct.proto";',
        'import "google/protobuf/timestamp.proto";',
        "message Entry {",
        "  google.protobuf.Timestamp time = 1 [(gogoproto.stdtime) = true, (gogoproto.nullable) = false];",
        "  google.protobuf.Struct details = 2;",
        "}",
      ].join("\n"),
    );
    const bundled = await gen("-I", dir, "--out", join(dir, "out"), "audit.proto");
    assert.equal(bundled.code, 0, bundled.stderr);
    assert.match(bundled.stdout, /Parsed 5 \.proto files, wrote 4 files/);
    const google = await Deno.readTextFile(join(dir, "out", "google.ts"));
    assert.match(google, /export class Timestamp extends Message/);
    assert.match(google, /export class Struct extends Message/);

    // A proto path's own copy wins over the bundled one, as with protoc's include order.
    await Deno.mkdir(join(dir, "google", "protobuf"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "google", "protobuf", "timestamp.proto"),
      'syntax = "proto3"; package google.protobuf; message Timestamp { int64 seconds = 1; int32 nanos = 2; string zone = 3; }',
    );
    const own = await gen("-I", dir, "--out", join(dir, "own"), "audit.proto");
    assert.equal(own.code, 0, own.stderr);
    assert.match(await Deno.readTextFile(join(dir, "own", "google.ts")), /zone: string = "";/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen resolves google/protobuf/any.proto and field_mask.proto from its bundled copies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    // Teleport's service files import these two well-known types; the tree itself does not ship them.
    await Deno.writeTextFile(
      join(dir, "update.proto"),
      [
        'syntax = "proto3";',
        "package update;",
        'import "google/protobuf/any.proto";',
        'import "google/protobuf/field_mask.proto";',
        "message Request {",
        "  google.protobuf.Any resource = 1;",
        "  google.protobuf.FieldMask update_mask = 2;",
        "}",
      ].join("\n"),
    );
    const out = join(dir, "vendor", "teleport");
    const result = await gen("--proto-path", dir, "--out", out, "update.proto");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Parsed 3 \.proto files, wrote 4 files/);

    await Deno.mkdir(join(dir, "assembly"));
    await Deno.writeTextFile(
      join(dir, "assembly", "index.ts"),
      [
        'import { update } from "../vendor/teleport";',
        "export function newBuffer(length: i32): ArrayBuffer { return new ArrayBuffer(length); }",
        "export function widen(buf: ArrayBuffer): ArrayBuffer {",
        "  const request = update.Request.decode(buf);",
        '  request.update_mask.paths.push(request.resource.type_url.split(".").pop());',
        "  return request.encode();",
        "}",
      ].join("\n"),
    );
    const widen = await compileBufferExport(dir, "widen");

    const { root } = loadProtoRoot(["update.proto"], directorySource([dir, PROTO]));
    const Request = root.lookupType("update.Request");
    const resource = {
      type_url: "type.googleapis.com/types.LockV2",
      value: new Uint8Array([10, 3, 1, 2, 3]),
    };
    const input = Request.encode(Request.fromObject({ resource, update_mask: { paths: ["spec.expires"] } }))
      .finish();
    const output = Request.decode(widen(input));
    assert.deepEqual(Request.toObject(output, { bytes: Array }), {
      resource: { type_url: resource.type_url, value: [10, 3, 1, 2, 3] },
      update_mask: { paths: ["spec.expires", "LockV2"] },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen explains missing options and unknown types in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    const noOut = await gen("-I", dir, "a.proto");
    assert.equal(noOut.code, 1);
    assert.match(noOut.stderr, /^error: --out is required\nhint: see '.* gen --help'\n$/);

    await Deno.writeTextFile(join(dir, "c.proto"), 'syntax = "proto3"; package c; message C { Nope n = 1; }');
    const unresolved = await gen("-I", dir, "--out", join(dir, "out"), "c.proto");
    assert.equal(unresolved.code, 1);
    assert.equal(unresolved.stderr.trim(), "error: c.proto: field c.C.n has unknown type 'Nope'");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen refuses to overwrite a file it did not write, and then writes nothing at all", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    await Deno.writeTextFile(join(dir, "thing.proto"), 'syntax = "proto3"; package acme; message Thing {}');
    // A plugin's entry point, in the folder a user mistook for the output folder.
    const out = join(dir, "assembly");
    await Deno.mkdir(out);
    const entry = "export function handleEvent(buf: ArrayBuffer): ArrayBuffer { return buf; }\n";
    await Deno.writeTextFile(join(out, "index.ts"), entry);

    const result = await gen("-I", dir, "-o", out, "thing.proto");
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.split("\n")[0],
      `error: --out '${out}': refusing to overwrite ${join(out, "index.ts")}, which gen did not write ` +
        "(no '// Code generated ... DO NOT EDIT.' line at its top); nothing was written",
    );
    assert.equal(await Deno.readTextFile(join(out, "index.ts")), entry);
    // acme.ts and protobuf-runtime.ts come before index.ts, yet neither was written.
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["index.ts"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen regenerates over its own output, but not so that index.ts stops exporting a namespace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    await Deno.writeTextFile(
      join(dir, "a.proto"),
      'syntax = "proto3"; package a; message A { int32 n = 1; }',
    );
    await Deno.writeTextFile(join(dir, "b.proto"), 'syntax = "proto3"; package b; message B {}');
    const out = join(dir, "out");
    assert.equal((await gen("-I", dir, "-o", out, "a.proto", "b.proto")).code, 0);

    // The schema changed: regenerating replaces every file, the runtime included.
    await Deno.writeTextFile(
      join(dir, "a.proto"),
      'syntax = "proto3"; package a; message A { int64 n = 1; }',
    );
    const again = await gen("-I", dir, "-o", out, "a.proto", "b.proto");
    assert.equal(again.code, 0, again.stderr);
    assert.match(await Deno.readTextFile(join(out, "a.ts")), /n: i64 = 0;/);

    // Like generating one package into a project's vendor/teleport: the other namespaces would vanish.
    const before = await Deno.readTextFile(join(out, "index.ts"));
    const partial = await gen("-I", dir, "-o", out, "a.proto");
    assert.equal(partial.code, 1);
    assert.equal(
      partial.stderr.split("\n")[0],
      `error: --out '${out}': ${join(out, "index.ts")} also exports b, which these .proto files do not ` +
        "define; nothing was written",
    );
    assert.equal(await Deno.readTextFile(join(out, "index.ts")), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen names --out when it is a file or lies inside one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    await Deno.mkdir(join(dir, "protos"));
    await Deno.writeTextFile(
      join(dir, "protos", "one.proto"),
      'syntax = "proto3"; package one; message One {}',
    );
    await Deno.writeTextFile(join(dir, "afile"), "notes\n");

    const toFile = await gen("-I", join(dir, "protos"), "-o", join(dir, "afile"), "one.proto");
    assert.equal(toFile.code, 1);
    assert.equal(toFile.stderr.split("\n")[0], `error: --out '${join(dir, "afile")}' is not a folder`);
    const underFile = await gen("-I", join(dir, "protos"), "-o", join(dir, "afile", "gen"), "one.proto");
    assert.equal(underFile.code, 1);
    assert.equal(
      underFile.stderr.split("\n")[0],
      `error: --out '${join(dir, "afile", "gen")}' is not a folder ('${join(dir, "afile")}' is a file)`,
    );
    assert.equal(await Deno.readTextFile(join(dir, "afile")), "notes\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gen names a .proto file that lies outside every --proto-path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "codegen_cli_" });
  try {
    await Deno.mkdir(join(dir, "protos"));
    await Deno.mkdir(join(dir, "other"));
    await Deno.writeTextFile(
      join(dir, "other", "two.proto"),
      'syntax = "proto3"; package two; message Two {}',
    );
    const outside = await gen(
      "-I",
      join(dir, "protos"),
      "-o",
      join(dir, "out"),
      join(dir, "other", "two.proto"),
    );
    assert.equal(outside.code, 1);
    assert.equal(
      outside.stderr,
      `error: ${join(dir, "other", "two.proto")} is not under any --proto-path ('${join(dir, "protos")}')\n` +
        `hint: add the folder its imports are relative to with --proto-path, e.g. -I ${join(dir, "other")}\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
