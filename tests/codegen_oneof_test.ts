/**
 * Lazily decoded oneof members: decoding a oneof checks its framing and keeps the selected message member's
 * bytes; the member's getter decodes them on first access, and a member nothing accessed is written back
 * unchanged. Because the oneof encodes its member through the runtime's `Message` base class, a plugin's
 * binary holds the code of the member types it uses, not of every member of `events.OneOf`.
 */
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { bundledSchema } from "../lib/proto/schema.ts";
import { AbortError, buildWithEntry, type EntryModule } from "./codegen_harness.ts";

const ENTRY = `import { events } from "./teleport";

export function passThrough(buf: ArrayBuffer): ArrayBuffer {
  return events.OneOf.decode(buf).encode();
}

export function renameLogin(buf: ArrayBuffer): ArrayBuffer {
  const event = events.OneOf.decode(buf);
  const login = event.UserLogin as events.UserLogin;
  login.Method = "renamed";
  return event.encode();
}

export function describeLogin(buf: ArrayBuffer): ArrayBuffer {
  const event = events.OneOf.decode(buf);
  const login = event.UserLogin;
  return String.UTF8.encode(event.type + " " + (login === null ? "null" : login.Method));
}
`;

const { root } = bundledSchema();
const oneOf = root.lookupType("events.OneOf");
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** A OneOf holding `member` (already encoded) as field `number`. */
const withMember = (number: number, member: Uint8Array | number[]) =>
  protobuf.Writer.create().uint32((number << 3) | 2).bytes(Uint8Array.from(member)).finish();

let built: Promise<EntryModule> | undefined;
const plugin = () => built ??= buildWithEntry(root, ENTRY, "debug");

/** The function names of a debug build (its `name` section), which say which methods were compiled. */
function compiledNames(binary: Uint8Array): string {
  const module = new WebAssembly.Module(binary as BufferSource);
  return WebAssembly.Module.customSections(module, "name").map((s) => new TextDecoder().decode(s)).join("\n");
}

Deno.test("a member nothing accessed is encoded as the bytes it was read from, canonical or not", async () => {
  const module = await plugin();
  // Method (4) before an explicitly empty Metadata (1): protobufjs would write neither so.
  const login = protobuf.Writer.create().uint32(34).string("local").uint32(10).bytes(new Uint8Array(0))
    .finish();
  const event = withMember(1, login);
  assert.equal(hex(module.call("passThrough", event)), hex(event));
  assert.equal(text(module.call("describeLogin", event)), "UserLogin local");
});

Deno.test("a member accessed is decoded, and its changes are encoded", async () => {
  const module = await plugin();
  const login = protobuf.Writer.create().uint32(34).string("local").uint32(10).bytes(new Uint8Array(0))
    .finish();
  const expected = oneOf.encode(oneOf.fromObject({ UserLogin: { Method: "renamed" } })).finish();
  assert.equal(hex(module.call("renameLogin", withMember(1, login))), hex(expected));

  const other = oneOf.encode(oneOf.fromObject({ UserCreate: { User: { Login: "bob" } } })).finish();
  assert.equal(text(module.call("describeLogin", other)), "UserCreate null");
  assert.equal(text(module.call("describeLogin", new Uint8Array(0))), " null");
});

Deno.test("a malformed member aborts when accessed; a oneof whose framing is broken aborts on decode", async () => {
  const module = await plugin();
  // Method claims 5 bytes of the member's 3.
  const broken = withMember(1, [0x22, 0x05, 0x61]);
  assert.equal(hex(module.call("passThrough", broken)), hex(broken));
  assert.throws(() => module.call("describeLogin", broken), (e: unknown) => {
    assert.ok(e instanceof AbortError, `expected an abort, got ${e}`);
    assert.match(e.message, /length past the end/);
    return true;
  });
  // The member claims 5 bytes of the oneof's 1.
  assert.throws(() => module.call("passThrough", Uint8Array.from([0x0a, 0x05, 0x22])), /length past the end/);
  // The module keeps working.
  const valid = withMember(1, protobuf.Writer.create().uint32(34).string("ok").finish());
  assert.equal(text(module.call("describeLogin", valid)), "UserLogin ok");
});

Deno.test("a plugin's binary holds the code of the member types it uses, not of every member", async () => {
  const passThroughOnly = await buildWithEntry(
    root,
    `import { events } from "./teleport";\nexport function run(buf: ArrayBuffer): ArrayBuffer {\n` +
      `  return events.OneOf.decode(buf).encode();\n}`,
    "debug",
  );
  const none = compiledNames(passThroughOnly.binary);
  assert.match(none, /events\.OneOf#writeTo/);
  assert.doesNotMatch(none, /events\.(UserLogin|SessionStart|UserCreate)#/);

  const names = compiledNames((await plugin()).binary);
  assert.match(names, /events\.UserLogin#writeTo/);
  assert.match(names, /events\.UserLogin#mergeFrom/);
  assert.doesNotMatch(names, /events\.(SessionStart|UserCreate)#/);
});
