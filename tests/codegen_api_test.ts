/**
 * The generated API as plugin authors use it: the README's expressions compile and behave as written, oneof
 * assignment selects and clears members, and HandleEventBase dispatches by event type.
 */
import assert from "node:assert/strict";
import { compileAssemblyScript } from "../lib/asc/compiler.ts";
import { generateAssemblyScript } from "../lib/codegen/generate.ts";
import { generateHandleEventBase } from "../lib/codegen/handle_event.ts";
import { bundledSchema } from "../lib/proto/schema.ts";

const PLUGIN = `
import { events, plugin, types, google } from "../vendor/teleport";
import { HandleEventBase } from "../vendor/handle_event";

export function newBuffer(length: i32): ArrayBuffer {
  return new ArrayBuffer(length);
}

// The README's "Modifying events" plugin, as written there.
export function annotate(requestData: ArrayBuffer): ArrayBuffer {
  const request = plugin.HandleEventRequest.decode(requestData);
  const event = request.Event;
  const response = new plugin.HandleEventResponse();
  if (event.AccessRequestCreate != null) {
    const request = event.AccessRequestCreate as events.AccessRequestCreate;
    const value = new google.protobuf.Value()
    value.string_value = "yes"
    request.Annotations.fields.set("seen-by-us", value)
  }
  response.Event = event;
  response.Success = true;
  return response.encode();
}

// The README's "Skipping events" plugin: an empty response drops the event.
export function skipSanta(requestData: ArrayBuffer): ArrayBuffer {
  const request = plugin.HandleEventRequest.decode(requestData);
  const event = request.Event;
  const response = new plugin.HandleEventResponse();
  if (event.UserLogin != null) {
    const userLogin = event.UserLogin as events.UserLogin
    if (userLogin.User.Login == "secret-santa") {
      response.Success = true;
      return response.encode();
    }
  }
  response.Event = event;
  response.Success = true;
  return response.encode();
}

// The README's test assertions, returned as a description instead of asserted.
export function describe(responseData: ArrayBuffer): string {
  const response = plugin.HandleEventResponse.decode(responseData);
  const event = response.Event;
  if (response.Event.type == "") return "no event";
  let text = event.type + " #" + event.type_index.toString();
  if (event.UserLogin != null) {
    const login = event.UserLogin as events.UserLogin;
    text += " login=" + login.User.Login + " success=" + (login.Status.Success ? "true" : "false");
  }
  if (event.AccessRequestCreate != null) {
    const created = event.AccessRequestCreate as events.AccessRequestCreate;
    text += " seen-by-us=" + created.Annotations.fields.get("seen-by-us").string_value;
  }
  return text;
}

export function lockLogin(lockData: ArrayBuffer): string {
  const lock = types.LockV2.decode(lockData);
  return lock.Spec.Target.Login + ": " + lock.Spec.Message;
}

// Oneof assignment: selecting, replacing and clearing members.
export function oneofs(): string {
  const value = new google.protobuf.Value();
  let log = "[" + value.type + "]";
  value.string_value = "yes";
  log += " " + value.type + "=" + value.string_value;
  value.bool_value = false;
  log += " " + value.type + "=" + (value.bool_value ? "true" : "false") + " string_value=[" + value.string_value + "]";
  value.struct_value = new google.protobuf.Struct();
  log += " " + value.type + " " + value.type_index.toString();
  value.list_value = null; // not the selected member: no effect
  log += " " + value.type;
  value.struct_value = null; // the selected member: clears the oneof
  log += " [" + value.type + "] " + value.type_index.toString();

  const event = new events.OneOf();
  event.UserLogin = new events.UserLogin();
  event.UserCreate = new events.UserCreate();
  log += " " + event.type + " " + (event.UserLogin == null ? "cleared" : "kept");
  log += " " + (event.type_index == events.OneOf_Event.UserCreate ? "constant" : "?");
  return log;
}

class Plugin extends HandleEventBase {
  seen: string = "";
  any(event: events.OneOf): void {
    this.seen += "any:" + event.type + " ";
  }
  userLogin(event: events.UserLogin): void {
    this.seen += "userLogin:" + event.User.Login;
    if (event.User.Login == "secret-santa") this.skip();
  }
}

export function handleWithBase(requestData: ArrayBuffer): ArrayBuffer {
  const base = new Plugin();
  const response = base.handle(plugin.HandleEventRequest.decode(requestData));
  response.Error = base.seen;
  return response.encode();
}
`;

type Exports = {
  memory: WebAssembly.Memory;
  newBuffer(length: number): number;
  __pin(ptr: number): number;
  __unpin(ptr: number): void;
} & Record<string, (...args: number[]) => number>;

async function buildPlugin() {
  const { root } = bundledSchema();
  const files: Record<string, string> = { "assembly/plugin.ts": PLUGIN };
  for (const [path, source] of generateAssemblyScript(root)) files[`vendor/teleport/${path}`] = source;
  files["vendor/handle_event.ts"] = generateHandleEventBase(root);
  const { binary } = await compileAssemblyScript({ entries: ["assembly/plugin.ts"], files, target: "debug" });
  const { instance } = await WebAssembly.instantiate(binary as BufferSource, {
    env: {
      abort: () => {
        throw new Error("abort");
      },
    },
  });
  const wasm = instance.exports as unknown as Exports;
  const view = () => new Uint32Array(wasm.memory.buffer);
  const text = (ptr: number) =>
    new TextDecoder("utf-16le").decode(new Uint8Array(wasm.memory.buffer, ptr, view()[(ptr - 4) >>> 2]));
  const bytesAt = (ptr: number) => new Uint8Array(wasm.memory.buffer, ptr, view()[(ptr - 4) >>> 2]).slice();
  const call = (name: string, input?: Uint8Array): number => {
    if (!input) return wasm[name]();
    const ptr = wasm.__pin(wasm.newBuffer(input.length));
    new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
    const result = wasm[name](ptr);
    wasm.__unpin(ptr);
    return result;
  };
  return {
    bytes: (name: string, input: Uint8Array) => bytesAt(call(name, input)),
    text: (name: string, input?: Uint8Array) => text(call(name, input)),
  };
}

let built: ReturnType<typeof buildPlugin> | undefined;
/** The plugin is compiled once for all tests of this file. */
const loadPlugin = () => built ??= buildPlugin();

const { oneOf, handleEventRequest: requestType, handleEventResponse: responseType, lockV2 } = bundledSchema();
const request = (event: Record<string, unknown>) =>
  requestType.encode(requestType.fromObject({ Event: event })).finish();

Deno.test("generated classes support the README's plugin code as written", async () => {
  const plugin = await loadPlugin();

  const login = request({ UserLogin: { User: { Login: "foo" }, Status: { Success: false } } });
  assert.equal(
    plugin.text("describe", plugin.bytes("annotate", login)),
    "UserLogin #1 login=foo success=false",
  );

  const access = request({ AccessRequestCreate: { User: { Login: "bob" } } });
  assert.equal(
    plugin.text("describe", plugin.bytes("annotate", access)),
    `AccessRequestCreate #${oneOf.fields.AccessRequestCreate.id} seen-by-us=yes`,
  );

  // A response without an event has no Event field at all: the host reads that as "drop".
  const santa = request({ UserLogin: { User: { Login: "secret-santa" } } });
  const dropped = plugin.bytes("skipSanta", santa);
  assert.deepEqual(responseType.toObject(responseType.decode(dropped)), { Success: true });
  assert.equal(plugin.text("describe", dropped), "no event");

  const lock = lockV2.encode(lockV2.fromObject({ Spec: { Target: { Login: "foo" }, Message: "Suspicious" } }))
    .finish();
  assert.equal(plugin.text("lockLogin", lock), "foo: Suspicious");
});

Deno.test("assigning a oneof member selects it; assigning null to the selected member clears the oneof", async () => {
  const plugin = await loadPlugin();
  assert.equal(
    plugin.text("oneofs"),
    "[] string_value=yes bool_value=false string_value=[] struct_value 5 struct_value [] 0 UserCreate cleared constant",
  );
});

Deno.test("HandleEventBase calls any, then the typed method, and skip() drops the event", async () => {
  const plugin = await loadPlugin();
  const forwarded = responseType.decode(
    plugin.bytes("handleWithBase", request({ UserLogin: { User: { Login: "foo" } } })),
  );
  assert.deepEqual(responseType.toObject(forwarded), {
    Success: true,
    Error: "any:UserLogin userLogin:foo",
    Event: { UserLogin: { User: { Login: "foo" } } },
  });
  const skipped = responseType.decode(
    plugin.bytes("handleWithBase", request({ UserLogin: { User: { Login: "secret-santa" } } })),
  );
  assert.deepEqual(responseType.toObject(skipped), {
    Success: true,
    Error: "any:UserLogin userLogin:secret-santa",
  });
  const other = responseType.decode(
    plugin.bytes("handleWithBase", request({ UserCreate: { User: { Login: "x" } } })),
  );
  assert.equal(other.toJSON().Error, "any:UserCreate ");
});
