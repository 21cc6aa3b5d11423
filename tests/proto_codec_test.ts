// The host codec: wire compatibility with Teleport's field numbers (checked on raw bytes, not through
// protobufjs), 64-bit exactness, the plugin contract with raw event bytes, LockV2, errors.
import assert from "node:assert/strict";
import { bundledCodec, ProtoCodecError } from "../lib/proto/codec.ts";
import { parseRfc3339 } from "../lib/proto/timestamp.ts";

const codec = bundledCodec();

// ---- a minimal independent protobuf wire reader/writer, so the checks do not trust protobufjs ----

type Wire = { number: number; wireType: number; value: bigint | Uint8Array };

function readVarint(bytes: Uint8Array, at: { pos: number }): bigint {
  let result = 0n;
  for (let shift = 0n;; shift += 7n) {
    const b = bytes[at.pos++];
    if (b === undefined) throw new Error("truncated");
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
  }
}

function readFields(bytes: Uint8Array): Wire[] {
  const at = { pos: 0 };
  const out: Wire[] = [];
  while (at.pos < bytes.length) {
    const tag = Number(readVarint(bytes, at));
    const number = tag >> 3, wireType = tag & 7;
    if (wireType === 0) out.push({ number, wireType, value: readVarint(bytes, at) });
    else if (wireType === 2) {
      const length = Number(readVarint(bytes, at));
      out.push({ number, wireType, value: bytes.subarray(at.pos, at.pos + length) });
      at.pos += length;
    } else if (wireType === 1) {
      out.push({ number, wireType, value: bytes.subarray(at.pos, at.pos + 8) });
      at.pos += 8;
    } else throw new Error(`wire type ${wireType}`);
  }
  return out;
}

/** The value of the field at a path of field numbers (first occurrence at each level). */
function at(bytes: Uint8Array, ...path: number[]): bigint | Uint8Array {
  let current: bigint | Uint8Array = bytes;
  for (const number of path) {
    assert.ok(current instanceof Uint8Array, `field ${number}: parent is not a message`);
    const field: Wire | undefined = readFields(current).find((f) => f.number === number);
    assert.ok(field, `field ${path.join(".")} is missing (stopped at ${number})`);
    current = field.value;
  }
  return current;
}

const text = (value: bigint | Uint8Array) => new TextDecoder().decode(value as Uint8Array);

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tagged = (number: number, wireType: number) => varint(BigInt((number << 3) | wireType));
const varintField = (number: number, value: bigint) => [...tagged(number, 0), ...varint(value)];
const bytesField = (number: number, value: number[] | Uint8Array) => [
  ...tagged(number, 2),
  ...varint(BigInt(value.length)),
  ...value,
];
const stringField = (number: number, value: string) => bytesField(number, new TextEncoder().encode(value));
const doubleField = (number: number, value: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return [...tagged(number, 1), ...b];
};

// ---- tests ----

Deno.test("session.start (teleport-schema.md 3.2) encodes to Teleport's field numbers", () => {
  const bytes = codec.encodeEvent({
    SessionStart: {
      Metadata: {
        Index: 7n,
        Type: "session.start",
        ID: "fff30583-13be-49e8-b159-32952c6ea34f",
        Code: "T2000I",
        Time: parseRfc3339("2024-02-23T18:56:57.648137154Z"),
        ClusterName: "teleport.ericbeahan.com",
      },
      User: { User: "teleport-admin", Login: "ec2-user", UserKind: 1 },
      Session: { SessionID: "293fda2d-2266-4d4d-b9d1-bd5ea9dd9fc3", PrivateKeyPolicy: "none" },
      Server: {
        ServerNamespace: "default",
        ServerID: "face0091",
        ServerHostname: "ip-172-31-8-163.us-east-2.compute.internal",
        ServerLabels: { hostname: "ip-172-31-8-163" },
      },
      Connection: { RemoteAddr: "1.2.3.4:50339", Protocol: "ssh", LocalAddr: "10.0.0.1:3022" },
      TerminalSize: "80:25",
      InitialCommand: [""],
      SessionRecording: "node",
    },
  });
  assert.deepEqual(readFields(bytes).map((f) => f.number), [5], "only OneOf member 5 (SessionStart)");
  assert.equal(at(bytes, 5, 1, 1), 7n, "Metadata.Index");
  assert.equal(text(at(bytes, 5, 1, 2)), "session.start");
  assert.equal(text(at(bytes, 5, 1, 3)), "fff30583-13be-49e8-b159-32952c6ea34f");
  assert.equal(text(at(bytes, 5, 1, 4)), "T2000I");
  assert.equal(at(bytes, 5, 1, 5, 1), 1708714617n, "Metadata.Time.seconds");
  assert.equal(at(bytes, 5, 1, 5, 2), 648137154n, "Metadata.Time.nanos");
  assert.equal(text(at(bytes, 5, 1, 6)), "teleport.ericbeahan.com");
  assert.equal(text(at(bytes, 5, 2, 1)), "teleport-admin");
  assert.equal(text(at(bytes, 5, 2, 2)), "ec2-user");
  assert.equal(at(bytes, 5, 2, 10), 1n, "UserKind = USER_KIND_HUMAN");
  assert.equal(text(at(bytes, 5, 3, 1)), "293fda2d-2266-4d4d-b9d1-bd5ea9dd9fc3");
  assert.equal(text(at(bytes, 5, 3, 3)), "none");
  assert.equal(text(at(bytes, 5, 4, 1)), "default");
  assert.equal(text(at(bytes, 5, 4, 2)), "face0091");
  assert.equal(text(at(bytes, 5, 4, 3)), "ip-172-31-8-163.us-east-2.compute.internal");
  assert.equal(text(at(bytes, 5, 4, 5, 1)), "hostname", "ServerLabels entry key");
  assert.equal(text(at(bytes, 5, 4, 5, 2)), "ip-172-31-8-163", "ServerLabels entry value");
  assert.equal(text(at(bytes, 5, 5, 1)), "10.0.0.1:3022");
  assert.equal(text(at(bytes, 5, 5, 2)), "1.2.3.4:50339");
  assert.equal(text(at(bytes, 5, 5, 3)), "ssh");
  assert.equal(text(at(bytes, 5, 6)), "80:25");
  assert.equal(text(at(bytes, 5, 9)), "", 'InitialCommand [""] keeps its one empty element');
  assert.equal(text(at(bytes, 5, 10)), "node");
});

Deno.test("hand-built user.login bytes (Teleport's numbering) decode field by field", () => {
  const attributes = bytesField(1, [...stringField(1, "public_repos"), ...bytesField(2, doubleField(2, 20))]);
  const login = [
    ...bytesField(1, [...stringField(2, "user.login"), ...stringField(4, "T1001I")]),
    ...bytesField(2, stringField(1, "bob@example.com")),
    ...bytesField(3, varintField(1, 1n)),
    ...stringField(4, "oidc"),
    ...bytesField(5, attributes),
    ...bytesField(6, [...stringField(1, "yubikey"), ...stringField(3, "webauthn")]),
    ...bytesField(7, stringField(1, "tsh/16")),
    ...bytesField(8, stringField(2, "[::1]:37718")),
  ];
  const event = codec.decodeEvent(new Uint8Array(bytesField(1, login)));
  assert.deepEqual(event, {
    UserLogin: {
      Metadata: { Type: "user.login", Code: "T1001I" },
      User: { User: "bob@example.com" },
      Status: { Success: true },
      Method: "oidc",
      IdentityAttributes: { fields: { public_repos: { number_value: 20 } } },
      MFADevice: { DeviceName: "yubikey", DeviceType: "webauthn" },
      Client: { UserAgent: "tsh/16" },
      Connection: { RemoteAddr: "[::1]:37718" },
    },
  });
  assert.deepEqual(codec.oneOfMember(event)?.name, "UserLogin");
});

Deno.test("cert.create: nested Identity, LabelValues traits and Go's zero time on the wire", () => {
  const bytes = codec.encodeEvent({
    CertificateCreate: {
      CertificateType: "user",
      Identity: {
        User: "teleport-admin",
        Traits: { Values: { logins: { Values: ["root", "ubuntu"] } } },
        PreviousIdentityExpires: parseRfc3339("0001-01-01T00:00:00Z"),
        ClientIP: "1.2.3.4",
      },
    },
  });
  assert.equal(text(at(bytes, 68, 2)), "user", "CertificateCreate is member 68; CertificateType is 2");
  assert.equal(text(at(bytes, 68, 3, 1)), "teleport-admin");
  assert.equal(text(at(bytes, 68, 3, 11, 1, 1)), "logins", "Traits(11) -> Values(1) map entry key");
  const logins = readFields(at(bytes, 68, 3, 11, 1, 2) as Uint8Array).map((f) => text(f.value));
  assert.deepEqual(logins, ["root", "ubuntu"], "entry value: StringValues.Values(1)");
  const seconds = at(bytes, 68, 3, 23, 1) as bigint;
  assert.equal(BigInt.asIntN(64, seconds), -62135596800n, "zero time as a negative 64-bit varint");
  assert.equal(text(at(bytes, 68, 3, 18)), "1.2.3.4");
});

Deno.test("64-bit integers round-trip exactly at their extremes, as bigint", () => {
  const uint64Max = 2n ** 64n - 1n;
  const int64Min = -(2n ** 63n);
  const bytes = codec.encodeEvent({
    SessionCommand: { BPF: { PID: uint64Max, CgroupID: "18446744073709551614" }, PPID: 9007199254740993n },
  });
  assert.equal(at(bytes, 11, 5, 1), uint64Max, "BPF.PID on the wire");
  const decoded = codec.decodeEvent(bytes);
  assert.deepEqual(decoded, {
    SessionCommand: { BPF: { PID: uint64Max, CgroupID: uint64Max - 1n }, PPID: 9007199254740993n },
  });
  const print = codec.decodeEvent(codec.encodeEvent({ SessionPrint: { ChunkIndex: int64Min, Offset: -1 } }));
  assert.deepEqual(print, { SessionPrint: { ChunkIndex: int64Min, Offset: -1n } });
});

Deno.test("packed and unpacked repeated int32 both decode (WindowsCertificateMetadata.ExtendedKeyUsage)", () => {
  const packed = bytesField(6, [...varint(1n), ...varint(300n), ...varint(-2n)]);
  const unpacked = [...varintField(6, 1n), ...varintField(6, 300n), ...varintField(6, -2n)];
  for (const encoded of [packed, unpacked]) {
    const decoded = codec.decode("events.WindowsCertificateMetadata", new Uint8Array(encoded));
    assert.deepEqual(decoded, { ExtendedKeyUsage: [1, 300, -2] });
  }
  // Encoding is canonical proto3: packed.
  assert.deepEqual(
    codec.encode("events.WindowsCertificateMetadata", { ExtendedKeyUsage: [1, 300, -2] }),
    new Uint8Array(packed),
  );
});

Deno.test("proto3 defaults are left out; an event re-encodes to the same bytes", () => {
  assert.deepEqual(
    codec.encode("plugin.HandleEventResponse", { Success: false, Error: "" }),
    new Uint8Array(),
  );
  const original = codec.encodeEvent({
    UserCreate: {
      Metadata: { Index: 1n, Type: "user.create", Time: parseRfc3339("2021-12-17T17:11:33+03:00") },
      User: { User: "foo", Login: "foo" },
      Resource: { Name: "foo" },
      Roles: ["test-user", "editor"],
    },
  });
  assert.deepEqual(codec.encodeEvent(codec.decodeEvent(original)), original);
});

Deno.test("OneOf members the schema lacks are reported, and the request carries them unchanged", () => {
  // Member 272: an event type newer than the bundled schema.
  const foreign = new Uint8Array(bytesField(272, bytesField(1, stringField(2, "some.future_event"))));
  assert.deepEqual(codec.decodeEvent(foreign), {}, "protobufjs drops the unknown member");
  assert.deepEqual(codec.unknownFieldNumbers("events.OneOf", foreign), [272]);
  assert.equal(codec.oneOfMember(codec.decodeEvent(foreign)), undefined);
  const request = codec.encodeHandleEventRequest(foreign);
  assert.deepEqual(at(request, 1), foreign, "HandleEventRequest.Event holds the original bytes");
  assert.deepEqual(codec.unknownFieldNumbers("events.OneOf", codec.encodeEvent({ Exec: {} })), []);
});

Deno.test("a HandleEventResponse keeps the plugin's event bytes, unknown fields included", () => {
  // A UserLogin with a field (99) this schema does not declare, as a plugin built from a newer schema returns it.
  const event = new Uint8Array(
    bytesField(1, [...bytesField(2, stringField(1, "alice")), ...stringField(99, "x")]),
  );
  const bytes = codec.encodeHandleEventResponse({ Success: true, Event: event });
  const response = codec.decodeHandleEventResponse(bytes);
  assert.equal(response.Success, true);
  assert.equal(response.Error, "");
  assert.deepEqual(response.Event, { UserLogin: { User: { User: "alice" } } });
  assert.deepEqual(response.eventBytes, event);
  assert.ok(!(response.eventBytes!.buffer === bytes.buffer), "eventBytes is a copy, not a view");

  assert.deepEqual(
    codec.decodeHandleEventResponse(bytes, { decodeEvent: false }),
    { Success: true, Error: "", eventBytes: event },
    "decodeEvent: false gives the bytes only",
  );

  const dropped = codec.decodeHandleEventResponse(codec.encodeHandleEventResponse({ Success: true }));
  assert.deepEqual(dropped, { Success: true, Error: "" }, "no Event: the plugin drops the event");

  const failed = codec.decodeHandleEventResponse(
    new Uint8Array([...varintField(1, 0n), ...stringField(2, "boom")]),
  );
  assert.deepEqual(failed, { Success: false, Error: "boom" });

  const empty = codec.decodeHandleEventResponse(new Uint8Array(bytesField(3, [])));
  assert.deepEqual(empty, { Success: false, Error: "", Event: {}, eventBytes: new Uint8Array() });
});

Deno.test("HandleEventRequest built from an object equals the one built from its bytes", () => {
  const event = { Exec: { Metadata: { Type: "exec" }, Command: { Command: "ls", ExitCode: "0" } } };
  assert.deepEqual(
    codec.encodeHandleEventRequest(event),
    codec.encodeHandleEventRequest(codec.encodeEvent(event)),
  );
  assert.deepEqual(
    codec.decode("plugin.HandleEventRequest", codec.encodeHandleEventRequest(event)),
    { Event: event },
  );
});

Deno.test("types.LockV2 encodes with Teleport's numbers and decodes with defaults filled in", () => {
  const bytes = codec.encodeLock({
    Kind: "lock",
    Version: "v2",
    Metadata: { Name: "lock-alice", Labels: { origin: "plugin" } },
    Spec: {
      Target: { User: "alice", ServerID: "node-1" },
      Message: "suspicious login",
      Expires: { seconds: 1700000000n, nanos: 0 },
    },
  });
  assert.equal(text(at(bytes, 1)), "lock");
  assert.equal(text(at(bytes, 3)), "v2");
  assert.equal(text(at(bytes, 4, 1)), "lock-alice");
  assert.equal(text(at(bytes, 4, 5, 1)), "origin");
  assert.equal(text(at(bytes, 5, 1, 1)), "alice");
  assert.equal(text(at(bytes, 5, 1, 9)), "node-1");
  assert.equal(text(at(bytes, 5, 2)), "suspicious login");
  assert.equal(at(bytes, 5, 3, 1), 1700000000n);
  assert.deepEqual(codec.decodeLock(bytes).Spec.Target, { User: "alice", ServerID: "node-1" });
  assert.deepEqual(codec.decodeLock(new Uint8Array()), {
    Kind: "",
    Version: "",
    Metadata: { Name: "" },
    Spec: { Target: {} },
  });
});

Deno.test("encoding rejects wrong values and unknown fields, naming the field path", () => {
  const rejects = (typeName: string, message: Record<string, unknown>, expected: string) =>
    assert.throws(
      () => codec.encode(typeName, message as never),
      (e: unknown) => e instanceof ProtoCodecError && e.message === expected,
    );
  rejects(
    "events.OneOf",
    { UserLogin: { Metadata: { Tpe: "x" } } },
    "events.OneOf.UserLogin.Metadata.Tpe: no such field in events.Metadata (did you mean 'Type'?)",
  );
  rejects(
    "events.OneOf",
    { UserLogin: { Status: { Success: "yes" } } },
    'events.OneOf.UserLogin.Status.Success: expected a boolean, got string "yes"',
  );
  rejects(
    "events.OneOf",
    { SessionPrint: { ChunkIndex: 2 ** 53 } },
    "events.OneOf.SessionPrint.ChunkIndex: expected an integer in -9223372036854775808..9223372036854775807 " +
      "(int64; bigint, safe integer or decimal string), got number 9007199254740992",
  );
  rejects(
    "events.OneOf",
    { SessionCommand: { BPF: { PID: -1n } } },
    "events.OneOf.SessionCommand.BPF.PID: expected an integer in 0..18446744073709551615 " +
      "(uint64; bigint, safe integer or decimal string), got bigint -1",
  );
  rejects(
    "events.OneOf",
    { UserLogin: {}, UserCreate: {} },
    "events.OneOf.UserCreate: 'UserLogin' of the same oneof 'Event' is already set",
  );
  rejects(
    "events.OneOf",
    { UserLogin: { User: { UserKind: "HUMAN" } } },
    "events.OneOf.UserLogin.User.UserKind: 'HUMAN' is not a value of enum UserKind (did you mean 'USER_KIND_HUMAN'?)",
  );
  rejects(
    "events.OneOf",
    { SessionStart: { Server: { ServerLabels: { a: 1 } } } },
    'events.OneOf.SessionStart.Server.ServerLabels["a"]: expected a string, got number 1',
  );
  rejects(
    "events.OneOf",
    { SessionPrint: { Data: "aGVsbG8=" } },
    'events.OneOf.SessionPrint.Data: expected a Uint8Array (bytes), got string "aGVsbG8="',
  );
  rejects(
    "events.OneOf",
    { SessionStart: { InitialCommand: "ls" } },
    'events.OneOf.SessionStart.InitialCommand: expected an array, got string "ls"',
  );
  assert.throws(() => codec.encode("events.Nope", {}), /unknown message type 'events.Nope'/);
});

Deno.test("enum names are accepted on encode and stored as numbers", () => {
  const decoded = codec.decodeEvent(
    codec.encodeEvent({ UserLogin: { User: { UserKind: "USER_KIND_BOT" } } }),
  );
  assert.deepEqual(decoded, { UserLogin: { User: { UserKind: 2 } } });
});

Deno.test("malformed input raises ProtoCodecError, never a crash or a partial result", () => {
  const valid = codec.encodeEvent({ UserLogin: { Metadata: { Type: "user.login", ID: "0123456789" } } });
  for (let cut = 1; cut < valid.length; cut++) {
    assert.throws(() => codec.decodeEvent(valid.subarray(0, cut)), ProtoCodecError, `cut at ${cut}`);
  }
  assert.throws(() => codec.decodeEvent(new Uint8Array([0x0f])), ProtoCodecError, "wire type 7");
  assert.throws(() => codec.unknownFieldNumbers("events.OneOf", new Uint8Array([0x0a, 0x05, 0x01])), {
    name: "ProtoCodecError",
    message: "cannot decode events.OneOf: field 1 runs past the end at offset 7",
  });
  assert.throws(() => codec.decodeHandleEventResponse(new Uint8Array([0x1a, 0x09])), ProtoCodecError);
});

Deno.test("encoded bytes own their buffer (safe to transfer to a worker)", () => {
  const a = codec.encodeEvent({ Exec: { Metadata: { Type: "exec" } } });
  const b = codec.encodeEvent({ Exec: { Metadata: { Type: "exec" } } });
  assert.equal(a.constructor, Uint8Array);
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, a.length);
  assert.notEqual(a.buffer, b.buffer);
});
