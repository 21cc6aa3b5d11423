/**
 * The converter's rules, one per test, on a small fixture schema (tests/fixtures/teleport_json/fixture.proto)
 * and on the bundled schema: Go's flattening rules, value encodings, Unknown fallback, lossless forwarding.
 */
import assert from "node:assert/strict";
import type protobuf from "protobufjs";
import { bundledCodec } from "../lib/proto/codec.ts";
import { chainSources, loadProtoRoot, memorySource } from "../lib/proto/loader.ts";
import { bundledProtoSource, bundledSchema } from "../lib/proto/schema.ts";
import { formatRfc3339, parseRfc3339 } from "../lib/proto/timestamp.ts";
import { TeleportJsonCodec, TeleportJsonError } from "../lib/teleport_json/codec.ts";
import { decodePlain, fixtureCodec, goTime } from "./teleport_json_support.ts";

const fixture = fixtureCodec();
const bundled = new TeleportJsonCodec();
const { oneOf } = bundledSchema();

/** Decodes, edits and re-encodes the event inside OneOf bytes, as a plugin would. */
function edit(
  type: protobuf.Type,
  bytes: Uint8Array,
  change: (event: Record<string, unknown>) => void,
): Uint8Array {
  const decoded = type.toObject(type.decode(bytes), { longs: String }) as Record<
    string,
    Record<string, unknown>
  >;
  const [member] = Object.keys(decoded);
  change(decoded[member]);
  return type.encode(type.fromObject(decoded)).finish();
}

Deno.test("flattening: the shallower key wins, same-depth duplicates are dropped, jsontag '-' never appears", () => {
  const parsed = fixture.codec.toEvent(
    `{"event":"shadow","time":"2021-01-01T00:00:00Z","message":"top","name":"both","left":"L","level":"deep","Secret":"AQ=="}`,
  );
  assert.equal(parsed.fallback, undefined);
  assert.deepEqual(decodePlain(fixture.oneOf, parsed.bytes), {
    Shadowing: {
      Metadata: { Type: "shadow", Time: goTime(2021, 1, 1, 0, 0, 0) },
      Message: "top",
      Left: { LeftOnly: "L" },
      Deeper: { Level: "deep" },
    },
  });
  // Status.UserMessage ("message" at depth 1) is shadowed by Shadowing.Message: set it, it is not rendered.
  const bytes = edit(fixture.oneOf, parsed.bytes, (event) => {
    event.Status = { UserMessage: "hidden", Success: true };
    event.Right = { Name: "dropped" };
  });
  assert.deepEqual(JSON.parse(fixture.codec.renderMessage(bytes)), {
    ei: 0,
    event: "shadow",
    time: "2021-01-01T00:00:00Z",
    success: true,
    message: "top",
    left: "L",
    level: "deep",
  });
});

Deno.test("values: 64-bit integers beyond 2^53 stay exact both ways", () => {
  const line = `{"event":"kitchen","big":18446744073709551615,"signed":-9007199254740993}`;
  const parsed = fixture.codec.toEvent(line);
  const kitchen = decodePlain(fixture.oneOf, parsed.bytes).Kitchen as Record<string, unknown>;
  assert.equal(kitchen.Big, "18446744073709551615");
  assert.equal(kitchen.Signed, "-9007199254740993");
  const rendered = fixture.codec.renderMessage(parsed.bytes);
  assert.match(rendered, /"big":18446744073709551615,"signed":-9007199254740993/);
});

Deno.test("values: the bundled schema keeps a uint64 cgroup_id above 2^53 exact when the event is changed", () => {
  const line =
    `{"ei":1,"event":"session.command","code":"T4000I","time":"2020-03-30T15:58:54.65Z","cgroup_id":18446744073709551557,"pid":1,"program":"x","sid":"s","server_id":"n","path":"/bin/x","argv":[],"return_code":0}`;
  const parsed = bundled.toEvent(line);
  const changed = edit(oneOf, parsed.bytes, (event) => (event.Path = "/bin/y"));
  const out = bundled.renderEvent(parsed, changed);
  assert.equal(out, line.replace('"/bin/x"', '"/bin/y"'));
});

Deno.test("values: numeric strings are coerced for integer fields, enums accept numbers and names", () => {
  const parsed = fixture.codec.toEvent(`{"event":"kitchen","port":"3000","color":"COLOR_BLUE","big":"42"}`);
  const kitchen = decodePlain(fixture.oneOf, parsed.bytes).Kitchen as Record<string, unknown>;
  assert.equal(kitchen.Port, 3000);
  assert.equal(kitchen.Color, 2);
  assert.equal(kitchen.Big, "42");
});

Deno.test("values: times keep nanoseconds, offsets are normalised to UTC, Go's zero time is -62135596800", () => {
  const parsed = fixture.codec.toEvent(
    `{"event":"kitchen","time":"2024-02-23T18:56:57.648137154Z","expires":"0001-01-01T00:00:00Z","assumed":"2020-01-01T00:00:00.5+01:00"}`,
  );
  const kitchen = decodePlain(fixture.oneOf, parsed.bytes).Kitchen as Record<string, Record<string, unknown>>;
  assert.deepEqual(kitchen.Metadata.Time, { seconds: "1708714617", nanos: 648137154 });
  assert.deepEqual(kitchen.Expires, { seconds: "-62135596800" });
  assert.deepEqual(kitchen.Assumed, goTime(2019, 12, 31, 23, 0, 0, 500_000_000));
  const rendered = JSON.parse(fixture.codec.renderMessage(parsed.bytes));
  assert.equal(rendered.time, "2024-02-23T18:56:57.648137154Z");
  assert.equal(rendered.expires, "0001-01-01T00:00:00Z");
  assert.equal(rendered.assumed, "2019-12-31T23:00:00.5Z");
});

Deno.test("values: an absent non-nullable time is Go's zero time on the wire, an absent nullable one is left out", () => {
  const parsed = fixture.codec.toEvent(`{"event":"kitchen"}`);
  const kitchen = decodePlain(fixture.oneOf, parsed.bytes).Kitchen as Record<string, Record<string, unknown>>;
  assert.deepEqual(kitchen.Metadata.Time, { seconds: "-62135596800" });
  assert.deepEqual(kitchen.Expires, { seconds: "-62135596800" });
  assert.equal(kitchen.Assumed, undefined);
  const rendered = JSON.parse(fixture.codec.renderMessage(parsed.bytes));
  assert.equal(rendered.time, "0001-01-01T00:00:00Z");
  assert.equal("assumed" in rendered, false);
});

Deno.test("values: bytes base64, Struct as plain JSON, Traits as string lists, wrappers as plain numbers", () => {
  const line =
    `{"event":"kitchen","payload":"AQID","attributes":{"n":1.5,"s":"x","b":false,"z":null,"l":[1,"a",{"k":[]}],"o":{}},"traits":{"logins":["root","admin"],"db_users":null},"size":0,"ratio":0.25}`;
  const parsed = fixture.codec.toEvent(line);
  const kitchen = decodePlain(fixture.oneOf, parsed.bytes).Kitchen as Record<string, unknown>;
  assert.equal(kitchen.Payload, "AQID");
  const raw = fixture.oneOf.toObject(fixture.oneOf.decode(parsed.bytes)).Kitchen;
  // A null list is an empty StringValues; a wrapper holding 0 is present (a non-nil pointer).
  assert.deepEqual(raw.Traits, { Values: { logins: { Values: ["root", "admin"] }, db_users: {} } });
  assert.deepEqual(raw.Size, {});
  const rendered = JSON.parse(fixture.codec.renderMessage(parsed.bytes));
  const original = JSON.parse(line);
  for (const key of ["payload", "attributes", "traits", "size", "ratio"]) {
    assert.deepEqual(rendered[key], original[key]);
  }
});

Deno.test("omitempty: zero values are left out only where the jsontag says so; non-nullable messages always appear", () => {
  const rendered = JSON.parse(
    fixture.codec.renderMessage(fixture.codec.toEvent(`{"event":"kitchen"}`).bytes),
  );
  assert.deepEqual(rendered, {
    ei: 0,
    event: "kitchen",
    time: "0001-01-01T00:00:00Z",
    big: 0,
    color: 0,
    roles: null,
    expires: "0001-01-01T00:00:00Z",
    target: {},
    size: null,
    flag: false,
  });
});

Deno.test("repeated: null items are kept as zero values so the list keeps its length", () => {
  const parsed = fixture.codec.toEvent(
    `{"event":"kitchen","roles":["a",null],"codes":[1,null,3],"targets":[{"user":"u"},null]}`,
  );
  const rendered = JSON.parse(fixture.codec.renderMessage(parsed.bytes));
  assert.deepEqual(rendered.roles, ["a", ""]);
  assert.deepEqual(rendered.codes, [1, 0, 3]);
  assert.deepEqual(rendered.targets, [{ user: "u" }, {}]);
});

Deno.test("unknown types become events.Unknown with Teleport's type, code and the raw line", () => {
  const line =
    `{"ei":7,"event":"brand.new","code":"TX001I","uid":"u-1","time":"2024-01-02T03:04:05Z","extra":{"a":1}}`;
  const parsed = bundled.toEvent(line);
  assert.equal(parsed.member, "Unknown");
  assert.equal(parsed.fallback, 'event type "brand.new" is not in the schema');
  assert.deepEqual(decodePlain(oneOf, parsed.bytes), {
    Unknown: {
      Metadata: { Index: "7", Type: "unknown", Code: "TCC00E", ID: "u-1", Time: goTime(2024, 1, 2, 3, 4, 5) },
      UnknownType: "brand.new",
      UnknownCode: "TX001I",
      Data: line,
    },
  });
  assert.equal(bundled.renderEvent(parsed, parsed.bytes), line);
});

Deno.test("lines whose values do not fit their fields become Unknown too, with the reason", () => {
  const line = `{"event":"session.start","time":"yesterday","user":{"name":"x"}}`;
  const parsed = bundled.toEvent(line);
  assert.equal(parsed.member, "Unknown");
  assert.match(
    parsed.fallback ?? "",
    /^session\.start: (time: expected an RFC 3339 time|user: expected a string)/,
  );
  const unknown = decodePlain(oneOf, parsed.bytes).Unknown as Record<string, unknown>;
  assert.equal(unknown.UnknownType, "session.start");
  assert.equal(unknown.Data, line);
});

Deno.test("input that is not a JSON object is rejected with a clear error", () => {
  assert.throws(
    () => bundled.toEvent("{not json"),
    (e) => e instanceof TeleportJsonError && /^not JSON: /.test(e.message),
  );
  assert.throws(
    () => bundled.toEvent("[1,2]"),
    (e) => e instanceof TeleportJsonError && e.message === "not a JSON object: array",
  );
});

Deno.test("forwarding: a changed event keeps unknown keys and key order, re-renders only what changed", () => {
  const line =
    `{"zz_first":true,"ei":3,"event":"session.start","time":"2020-03-30T15:58:54.561+00:00","user":"bob","login":"root","x-custom":{"k":[1,2]},"sid":"s1","server_id":"n1","port_as_text":"3000"}`;
  const parsed = bundled.toEvent(line);
  const changed = edit(oneOf, parsed.bytes, (event) => {
    (event.User as Record<string, unknown>).Login = "admin";
    (event.Connection as Record<string, unknown>) = { RemoteAddr: "10.0.0.1:5000" };
  });
  const out = bundled.renderEvent(parsed, changed);
  // The time keeps its original spelling (unchanged value), login changes in place, addr.remote is appended.
  assert.equal(
    out,
    `{"zz_first":true,"ei":3,"event":"session.start","time":"2020-03-30T15:58:54.561+00:00","user":"bob","login":"admin","x-custom":{"k":[1,2]},"sid":"s1","server_id":"n1","port_as_text":"3000","addr.remote":"10.0.0.1:5000"}`,
  );
});

Deno.test("forwarding: a cleared field disappears, nested unknown keys of a changed object survive", () => {
  const line =
    `{"event":"cert.create","time":"2024-02-24T06:56:50Z","cert_type":"user","identity":{"user":"a","roles":["r"],"custom":1,"expires":"2024-02-24T06:56:50Z"}}`;
  const parsed = bundled.toEvent(line);
  assert.equal(parsed.member, "CertificateCreate");
  const changed = edit(oneOf, parsed.bytes, (event) => {
    event.CertificateType = "";
    (event.Identity as Record<string, unknown>).User = "b";
  });
  assert.equal(
    bundled.renderEvent(parsed, changed),
    `{"event":"cert.create","time":"2024-02-24T06:56:50Z","identity":{"user":"b","roles":["r"],"custom":1,"expires":"2024-02-24T06:56:50Z"}}`,
  );
});

Deno.test("forwarding: a different OneOf member is rendered entirely from the new message", () => {
  const parsed = bundled.toEvent(`{"event":"session.start","time":"2020-01-01T00:00:00Z","custom":1}`);
  const lock = oneOf.encode(oneOf.fromObject({
    SessionLeave: {
      Metadata: { Type: "session.leave", Time: { seconds: 1577836800 } },
      Server: { ServerID: "n" },
    },
  })).finish();
  assert.deepEqual(JSON.parse(bundled.renderEvent(parsed, lock)), {
    ei: 0,
    event: "session.leave",
    time: "2020-01-01T00:00:00Z",
    sid: "",
    server_id: "n",
  });
});

Deno.test("forwarding: an Unknown whose metadata the plugin changed is the original line with that change", () => {
  const line =
    `{"event":"brand.new","code":"TX001I","time":"2024-01-02T03:04:05Z","cluster_name":"a","extra":1}`;
  const parsed = bundled.toEvent(line);
  const changed = edit(oneOf, parsed.bytes, (event) => {
    (event.Metadata as Record<string, unknown>).ClusterName = "b";
  });
  assert.equal(
    bundled.renderEvent(parsed, changed),
    line.replace(`"cluster_name":"a"`, `"cluster_name":"b"`),
  );
});

Deno.test("forwarding: bytes that are not an events.OneOf, or hold no event, are rejected", () => {
  const parsed = bundled.toEvent(`{"event":"session.start","time":"2020-01-01T00:00:00Z"}`);
  assert.throws(() => bundled.renderEvent(parsed, new Uint8Array([0x0a, 0x05, 1])), TeleportJsonError);
  assert.throws(() => bundled.renderEvent(parsed, new Uint8Array()), /holds no event/);
});

Deno.test("forwarding: an Unknown whose raw Data the plugin replaced is forwarded as that new event", () => {
  const parsed = bundled.toEvent(`{"event":"brand.new","code":"TX001I","secret":"s3cr3t"}`);
  const redacted = `{"event":"brand.new","code":"TX001I","secret":"***"}`;
  const changed = edit(oneOf, parsed.bytes, (event) => (event.Data = redacted));
  assert.equal(bundled.renderEvent(parsed, changed), redacted);
});

Deno.test("forwarding: a time the plugin set beyond year 9999 is reported, not written", () => {
  const parsed = bundled.toEvent(`{"event":"session.start","time":"2020-01-01T00:00:00Z"}`);
  const changed = edit(oneOf, parsed.bytes, (event) => {
    (event.Metadata as Record<string, unknown>).Time = { seconds: "253402300800" };
  });
  assert.throws(
    () => bundled.renderEvent(parsed, changed),
    (e) =>
      e instanceof TeleportJsonError &&
      /^plugin result cannot be rendered: time .* cannot be written/.test(e.message),
  );
});

Deno.test("values: integers out of their field's range make the line an Unknown, like Go's decoder", () => {
  for (const line of [`{"event":"kitchen","port":4294967296}`, `{"event":"kitchen","big":1e30}`]) {
    const parsed = fixture.codec.toEvent(line);
    assert.equal(parsed.member, "Unknown");
    assert.match(
      parsed.fallback ?? "",
      /^kitchen: (port: expected a 32-bit integer|big: expected an integer)/,
    );
  }
});

Deno.test("forwarding: an unknown key named __proto__ survives a change", () => {
  const line = `{"event":"session.start","time":"2020-01-01T00:00:00Z","login":"a","__proto__":{"x":1}}`;
  const parsed = bundled.toEvent(line);
  const changed = edit(oneOf, parsed.bytes, (event) => ((event.User as Record<string, unknown>).Login = "b"));
  assert.equal(bundled.renderEvent(parsed, changed), line.replace(`"login":"a"`, `"login":"b"`));
});

Deno.test("forwarding: a label added to a map is patched into the original object, list changes replace the list", () => {
  const line =
    `{"event":"session.start","time":"2020-01-01T00:00:00Z","server_labels":{"b":"2","a":"1"},"initial_command":["ls"],"note":"n"}`;
  const parsed = bundled.toEvent(line);
  const changed = edit(oneOf, parsed.bytes, (event) => {
    (event.Server as Record<string, Record<string, string>>).ServerLabels.c = "3";
    event.InitialCommand = ["ls", "-l"];
  });
  assert.equal(
    bundled.renderEvent(parsed, changed),
    `{"event":"session.start","time":"2020-01-01T00:00:00Z","server_labels":{"b":"2","a":"1","c":"3"},"initial_command":["ls","-l"],"note":"n"}`,
  );
});

Deno.test("type strings map many-to-one onto OneOf members through the event catalog", () => {
  assert.equal(bundled.memberOf("access_request.create"), "AccessRequestCreate");
  assert.equal(bundled.memberOf("access_request.review"), "AccessRequestCreate");
  assert.equal(bundled.memberOf("port.remote_conn"), "PortForward");
  assert.equal(bundled.memberOf("privilege_token.create"), "UserTokenCreate");
  assert.equal(bundled.memberOf("no.such.type"), undefined);
  const parsed = bundled.toEvent(`{"event":"access_request.review","time":"2020-01-01T00:00:00Z","id":"r1"}`);
  assert.equal(parsed.member, "AccessRequestCreate");
  const event = decodePlain(oneOf, parsed.bytes).AccessRequestCreate as Record<
    string,
    Record<string, unknown>
  >;
  assert.equal(event.Metadata.Type, "access_request.review");
  assert.equal(event.RequestID as unknown, "r1");
});

Deno.test("wrapField: the event also comes as the only field of an enclosing message (a HandleEventRequest)", () => {
  const proto = bundledCodec();
  const long = `{"event":"user.login","user":"bob","message":"${"m".repeat(300)}"}`;
  for (const line of ['{"event":"user.login","user":"bob"}', long, '{"event":"no.such.type","user":"bob"}']) {
    const plain = bundled.toEvent(line);
    const wrapped = bundled.toEvent(line, 1);
    assert.deepEqual([...wrapped.bytes], [...plain.bytes]);
    assert.deepEqual([...(wrapped.wrapped ?? [])], [...proto.encodeHandleEventRequest(plain.bytes)]);
    assert.equal(plain.wrapped, undefined);
  }
});

Deno.test("times: every form, year, leap day and fraction length reads as parseRfc3339 reads it; invalid ones fall back to Unknown", () => {
  const timeOf = (text: string) => {
    const parsed = bundled.toEvent(JSON.stringify({ event: "user.login", time: text }));
    if (parsed.member !== "UserLogin") return parsed.fallback;
    const time = (oneOf.toObject(oneOf.decode(parsed.bytes), { longs: String }) as {
      UserLogin: { Metadata: { Time: { seconds?: string; nanos?: number } } };
    }).UserLogin.Metadata.Time;
    return `${time.seconds ?? "0"}/${time.nanos ?? 0}`;
  };
  const expected = (text: string) => {
    const { seconds, nanos } = parseRfc3339(text);
    return `${seconds}/${nanos}`;
  };
  const texts = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.5Z",
    "2000-02-29T12:00:00z",
    "2024-02-29t01:02:03.1Z",
    "2020-04-07T18:45:07+02:00",
    "2020-04-07T18:45:07.123-11:30",
  ];
  for (let i = 0; i < 2000; i++) {
    const seconds = Math.floor(Math.random() * 253402300800) - 62135596800;
    const digits = i % 10;
    const nanos = digits === 0 ? 0 : Math.floor(Math.random() * 10 ** digits) * 10 ** (9 - digits);
    texts.push(formatRfc3339({ seconds, nanos }));
  }
  for (const text of texts) assert.equal(timeOf(text), expected(text), text);
  for (
    const text of [
      "2023-02-29T00:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "0000-01-01T00:00:00Z",
    ]
  ) {
    assert.match(timeOf(text) ?? "", /time: expected an RFC 3339 time/, text);
  }
});

Deno.test("keys named like Object.prototype members are read only from the event itself", () => {
  const { root } = loadProtoRoot(
    ["inherited.proto"],
    chainSources(
      memorySource({
        "inherited.proto": `syntax = "proto3";
package inherited;
import "gogoproto/gogo.proto";
message Event {
  string Type = 1 [(gogoproto.jsontag) = "event"];
  string Constructor = 2 [(gogoproto.jsontag) = "constructor,omitempty"];
  string ToString = 3 [(gogoproto.jsontag) = "toString,omitempty"];
  string Proto = 4 [(gogoproto.jsontag) = "__proto__,omitempty"];
}
message OneOf {
  oneof Member {
    Event Named = 1;
    Unknown Unknown = 2;
  }
}
message Metadata {
  string Type = 1 [(gogoproto.jsontag) = "event"];
  string Code = 2 [(gogoproto.jsontag) = "code,omitempty"];
}
message Unknown {
  Metadata Metadata = 1 [(gogoproto.nullable) = false, (gogoproto.embed) = true, (gogoproto.jsontag) = ""];
  string UnknownType = 2 [(gogoproto.jsontag) = "unknown_event"];
  string UnknownCode = 3 [(gogoproto.jsontag) = "unknown_code,omitempty"];
  string Data = 4 [(gogoproto.jsontag) = "data"];
}`,
      }),
      bundledProtoSource(),
    ),
  );
  const codec = new TeleportJsonCodec({ root, oneOfType: "inherited.OneOf", memberOf: () => "Named" });
  const envelope = root.lookupType("inherited.OneOf");
  const decode = (line: string) => {
    const parsed = codec.toEvent(line);
    assert.equal(parsed.member, "Named", parsed.fallback ?? "");
    return envelope.toObject(envelope.decode(parsed.bytes)).Named;
  };
  assert.deepEqual(decode('{"event":"e"}'), { Type: "e" });
  assert.deepEqual(
    decode('{"event":"e","constructor":"c","toString":"t","__proto__":"p"}'),
    { Type: "e", Constructor: "c", ToString: "t", Proto: "p" },
  );
});
