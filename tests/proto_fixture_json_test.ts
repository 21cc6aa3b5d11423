// The original framework's fixture format: JSON <-> messages, with errors that name file and field path.
import assert from "node:assert/strict";
import { bundledCodec } from "../lib/proto/codec.ts";
import {
  encodeFixture,
  FixtureError,
  fixtureTypeName,
  formatFixture,
  messageFromJson,
  messageToJson,
  parseFixture,
} from "../lib/proto/fixture_json.ts";

const codec = bundledCodec();
const FILE = "fixtures/3-x.json";

// The example of the original framework's README.
const README_FIXTURE = `{
  "name": "events.user_create",
  "type": "types.OneOf",
  "description": "User login event",
  "data": {
    "UserCreate": {
      "Metadata": {
        "Index": 1,
        "ID": "36da4091-eb14-f814-69f8-5b97bd919e3d",
        "Type": "user.create",
        "ClusterName": "test-cluster",
        "Time": "2021-12-17T17:11:33+03:00"
      },
      "User": { "Login": "foo", "User": "foo" },
      "Resource": { "Name": "foo" },
      "Roles": ["test-user"]
    }
  }
}`;

function fixtureError(data: unknown, type = "types.OneOf"): string {
  try {
    parseFixture(JSON.stringify({ name: "n", type, description: "d", data }), FILE);
  } catch (e) {
    assert.ok(e instanceof FixtureError, String(e));
    return e.message;
  }
  return assert.fail("expected a FixtureError");
}

Deno.test("the README fixture parses into an events.OneOf with exact values", () => {
  const fixture = parseFixture(README_FIXTURE, "fixtures/1-user.json");
  assert.equal(fixture.name, "events.user_create");
  assert.equal(fixture.type, "types.OneOf");
  assert.equal(fixture.typeName, "events.OneOf");
  assert.equal(fixture.description, "User login event");
  assert.deepEqual(fixture.message, {
    UserCreate: {
      Metadata: {
        Index: 1n,
        ID: "36da4091-eb14-f814-69f8-5b97bd919e3d",
        Type: "user.create",
        ClusterName: "test-cluster",
        Time: { seconds: 1639750293n, nanos: 0 },
      },
      User: { Login: "foo", User: "foo" },
      Resource: { Name: "foo" },
      Roles: ["test-user"],
    },
  });
  const bytes = encodeFixture(README_FIXTURE, "fixtures/1-user.json");
  const decoded = codec.decodeEvent(bytes);
  assert.deepEqual((decoded.UserCreate as Record<string, unknown>).Metadata, {
    Index: 1n,
    ID: "36da4091-eb14-f814-69f8-5b97bd919e3d",
    Type: "user.create",
    ClusterName: "test-cluster",
    Time: { seconds: 1639750293n }, // a zero nanos is a proto3 default: absent once decoded
  });
  assert.deepEqual(messageToJson("events.OneOf", decoded), messageToJson("events.OneOf", fixture.message));
});

Deno.test("fixture -> text -> fixture is the identity, and the text is stable", () => {
  const fixture = parseFixture(README_FIXTURE, "fixtures/1-user.json");
  const text = formatFixture(fixture);
  assert.ok(text.endsWith("}\n"));
  const again = parseFixture(text, "fixtures/1-user.json");
  assert.deepEqual(again, fixture);
  assert.equal(formatFixture(again), text);
  const data = JSON.parse(text).data.UserCreate;
  assert.equal(data.Metadata.Time, "2021-12-17T14:11:33Z", "times are written in UTC");
  assert.deepEqual(
    Object.keys(data.Metadata),
    ["Index", "Type", "ID", "Time", "ClusterName"],
    "declaration order",
  );
});

Deno.test("value forms: enums, 64-bit, bytes, Struct, maps, wrappers, LabelValues, null", () => {
  const message = messageFromJson("events.OneOf", {
    SessionCommand: {
      Metadata: { Index: "9223372036854775807", Time: "2024-02-23T18:56:57.648137154Z" },
      User: {
        UserKind: "USER_KIND_BOT",
        UserOrigin: 2,
        UserTraits: { Values: { logins: { Values: ["root", "ubuntu"] }, db_users: {} } },
        Login: null,
      },
      BPF: { PID: 18446744073709551615n.toString(), CgroupID: 4294971450 },
      Argv: ["-c", "ls"],
    },
  });
  assert.deepEqual(message, {
    SessionCommand: {
      Metadata: { Index: 9223372036854775807n, Time: { seconds: 1708714617n, nanos: 648137154 } },
      User: {
        UserKind: 2,
        UserOrigin: 2,
        UserTraits: { Values: { logins: { Values: ["root", "ubuntu"] }, db_users: {} } },
      },
      BPF: { PID: 18446744073709551615n, CgroupID: 4294971450n },
      Argv: ["-c", "ls"],
    },
  });
  const attributes = {
    followers: 20,
    site_admin: false,
    err: null,
    emails: [{ primary: true }],
    name: "bob",
  };
  const login = messageFromJson("events.UserLogin", { IdentityAttributes: attributes });
  assert.deepEqual(login.IdentityAttributes, {
    fields: {
      followers: { number_value: 20 },
      site_admin: { bool_value: false },
      err: { null_value: 0 },
      emails: { list_value: { values: [{ struct_value: { fields: { primary: { bool_value: true } } } }] } },
      name: { string_value: "bob" },
    },
  });
  assert.deepEqual(messageToJson("events.UserLogin", login), { IdentityAttributes: attributes });
  const print = messageFromJson("events.SessionPrint", { Data: "aGVsbG8=", Bytes: 5 });
  assert.deepEqual(print, { Data: new TextEncoder().encode("hello"), Bytes: 5n });
  assert.deepEqual(messageToJson("events.SessionPrint", print), { Data: "aGVsbG8=", Bytes: 5 });
  const sftp = messageFromJson("events.SFTPAttributes", { FileSize: 1024, UID: { value: 7 } });
  assert.deepEqual(sftp, { FileSize: { value: 1024n }, UID: { value: 7 } });
  assert.deepEqual(messageToJson("events.SFTPAttributes", sftp), { FileSize: 1024, UID: 7 });
  assert.deepEqual(
    messageToJson("events.Metadata", { Index: 2n ** 60n }),
    { Index: "1152921504606846976" },
    "64-bit values beyond 2^53 are written as strings",
  );
});

Deno.test("every bundled OneOf member survives JSON -> message -> bytes -> message -> JSON", () => {
  const oneOf = codec.type("events.OneOf");
  for (const member of oneOf.fieldsArray) {
    const json = {
      [member.name]: {
        Metadata: { Index: 3, Type: `test.${member.name}`, Time: "0001-01-01T00:00:00Z", ClusterName: "c" },
      },
    };
    const fields = codec.type(`events.${member.name}`).fields;
    if (!fields.Metadata) json[member.name] = { metadata: json[member.name].Metadata } as never;
    const message = messageFromJson("events.OneOf", json);
    const bytes = codec.encodeEvent(message);
    assert.deepEqual(messageToJson("events.OneOf", codec.decodeEvent(bytes)), json, member.name);
  }
});

Deno.test("errors name the file and the field path", () => {
  assert.equal(
    fixtureError({ AccessRequestCreate: { Metadata: { Time: "yesterday" } } }),
    'fixtures/3-x.json: data.AccessRequestCreate.Metadata.Time: invalid RFC 3339 time "yesterday"',
  );
  assert.equal(
    fixtureError({ UserCreate: { Roles: ["a", 3] } }),
    "fixtures/3-x.json: data.UserCreate.Roles[1]: expected a string, got number 3",
  );
  assert.equal(
    fixtureError({ SessionStart: { Server: { ServerLabels: { env: ["prod"] } } } }),
    'fixtures/3-x.json: data.SessionStart.Server.ServerLabels["env"]: expected a string, got an array',
  );
  assert.equal(
    fixtureError({ SessionPrint: { ChunkIndex: 9007199254740993 } }),
    "fixtures/3-x.json: data.SessionPrint.ChunkIndex: 9007199254740992 is beyond 2^53 and may have lost precision: " +
      "write it as a string",
  );
  assert.equal(
    fixtureError({ SessionPrint: { Data: "not base64!" } }),
    'fixtures/3-x.json: data.SessionPrint.Data: invalid base64 "not base64!"',
  );
  assert.equal(
    fixtureError({ UserLogin: { User: { UserKind: "BOT" } } }),
    'fixtures/3-x.json: data.UserLogin.User.UserKind: "BOT" is not a value of events.UserKind (did you mean "USER_KIND_BOT"?)',
  );
  assert.equal(
    fixtureError({ UserLogin: { Status: { Success: "true" } } }),
    'fixtures/3-x.json: data.UserLogin.Status.Success: expected true or false, got string "true"',
  );
  assert.equal(
    fixtureError({ UserCreate: {}, UserLogin: {} }),
    'fixtures/3-x.json: data.UserLogin: "UserCreate" of the same oneof is already set; set only one',
  );
  assert.equal(
    fixtureError({ UserLogin: { IdentityAttributes: ["a"] } }),
    "fixtures/3-x.json: data.UserLogin.IdentityAttributes: expected a JSON object (Struct), got an array",
  );
  assert.equal(
    fixtureError({ Exec: { Command: { ExitCode: 0 } } }),
    "fixtures/3-x.json: data.Exec.Command.ExitCode: expected a string, got number 0",
  );
  assert.equal(
    fixtureError({ Exec: { Metadata: { Time: "2021-02-30T00:00:00Z" } } }),
    'fixtures/3-x.json: data.Exec.Metadata.Time: invalid RFC 3339 time "2021-02-30T00:00:00Z": day out of range',
  );
});

Deno.test("unknown field names are errors, with the closest name suggested", () => {
  assert.equal(
    fixtureError({ UserCreate: { Metadta: {} } }),
    'fixtures/3-x.json: data.UserCreate.Metadta: unknown field of events.UserCreate (did you mean "Metadata"?)',
  );
  assert.equal(
    fixtureError({ UserCreate: { metadata: {} } }),
    'fixtures/3-x.json: data.UserCreate.metadata: unknown field of events.UserCreate (did you mean "Metadata"?)',
  );
  assert.equal(
    fixtureError({ UserCreat: {} }),
    'fixtures/3-x.json: data.UserCreat: unknown field of events.OneOf (did you mean "UserCreate"?)',
  );
  assert.equal(
    fixtureError({ UserCreate: { zzz: 1 } }),
    "fixtures/3-x.json: data.UserCreate.zzz: unknown field of events.UserCreate",
  );
});

Deno.test("the fixture envelope is validated too", () => {
  const parse = (text: string) => () => parseFixture(text, FILE);
  assert.throws(parse("{"), { name: "FixtureError", message: /^fixtures\/3-x\.json: invalid JSON: / });
  assert.throws(parse("[]"), { message: 'fixtures/3-x.json: expected a JSON object with "type" and "data"' });
  assert.throws(parse('{"type":"types.OneOf"}'), {
    message: "fixtures/3-x.json: data: missing (the message to encode)",
  });
  assert.throws(parse('{"type":"types.OneOf","dat":{}}'), {
    message: 'fixtures/3-x.json: dat: unknown fixture key (did you mean "data"?)',
  });
  assert.throws(parse('{"type":"events.Nope","data":{}}'), {
    message: 'fixtures/3-x.json: type: unknown message type "events.Nope"',
  });
  assert.throws(parse('{"type":"types.OneOf","data":[]}'), {
    message: "fixtures/3-x.json: data: expected an object (events.OneOf), got an array",
  });
});

Deno.test("type names: types.OneOf is the event envelope; other bundled messages work as fixtures too", () => {
  assert.equal(fixtureTypeName("types.OneOf"), "events.OneOf");
  assert.equal(fixtureTypeName("events.OneOf"), "events.OneOf");
  const lock = parseFixture(
    JSON.stringify({
      type: "types.LockV2",
      data: {
        Kind: "lock",
        Version: "v2",
        Metadata: { Name: "l" },
        Spec: { Target: { User: "x" }, Expires: "2030-01-01T00:00:00Z" },
      },
    }),
    FILE,
  );
  assert.equal(lock.typeName, "types.LockV2");
  assert.equal(lock.name, "");
  assert.deepEqual(
    codec.decodeLock(codec.encode(lock.typeName, lock.message)).Spec.Expires,
    { seconds: 1893456000n, nanos: 0 },
  );
});

Deno.test("durations, doubles and int32 strings in their JSON forms", () => {
  const json = messageToJson("google.protobuf.Duration", { seconds: -1n, nanos: -500000000 });
  assert.equal(json, "-1.5s");
  assert.deepEqual(messageFromJson("google.protobuf.Duration", "-1.5s"), { seconds: -1n, nanos: -500000000 });
  assert.deepEqual(messageFromJson("google.protobuf.DoubleValue", "NaN"), { value: NaN });
  assert.deepEqual(messageFromJson("events.KubeRequest", { ResponseCode: "404" }), { ResponseCode: 404 });
  assert.throws(() => messageFromJson("google.protobuf.Duration", "1m"), /invalid duration "1m"/);
});
