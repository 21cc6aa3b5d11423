/**
 * The worker-side `handleEventLine` adapter's decision table, with a stand-in for the plugin call that answers
 * each request as a plugin would: forward unchanged (the original line, byte for byte), modified (re-rendered),
 * drop, Success=false, an unusable response, a failing call; lines that are not JSON objects are malformed.
 */
import assert from "node:assert/strict";
import { bundledCodec } from "../lib/proto/codec.ts";
import { bundledSchema } from "../lib/proto/schema.ts";
import type { ProcessedRecord } from "../lib/pipeline/types.ts";
import { handleEventLine } from "../lib/run/event_line_adapter.ts";
import { decodeOutcome, encodeOutcome } from "../lib/run/outcome.ts";

const codec = bundledCodec();

/** The `events.OneOf` inside a `plugin.HandleEventRequest` (field 1, one-byte tag, varint length). */
function eventOf(request: Uint8Array): Uint8Array {
  let pos = 1;
  let length = 0;
  for (let shift = 0;; shift += 7) {
    const byte = request[pos++];
    length |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
  }
  return request.subarray(pos, pos + length);
}

/** Answers by the login's user name, as `handleEvent` would. */
function answer(request: Uint8Array): Uint8Array {
  const eventBytes = eventOf(request);
  const event = codec.decodeEvent(eventBytes) as { UserLogin?: { User?: { User?: string; Login?: string } } };
  switch (event.UserLogin?.User?.User ?? "") {
    case "dropped":
      return codec.encodeHandleEventResponse({ Success: true });
    case "refused":
      return codec.encodeHandleEventResponse({ Success: false, Error: "not today" });
    case "crashed":
      throw new Error("abort: boom at assembly/event_handler.ts:3:5");
    case "garbled":
      return new Uint8Array([0x0a, 0x00]);
    case "renamed":
      event.UserLogin!.User!.Login = "root";
      return codec.encodeHandleEventResponse({ Success: true, Event: codec.encodeEvent(event as never) });
    default:
      return codec.encodeHandleEventResponse({ Success: true, Event: eventBytes });
  }
}

const requests: Uint8Array[] = [];
const adapter = handleEventLine({
  config: { schema: bundledSchema().root.toJSON() },
  call(exportName, request) {
    assert.equal(exportName, "handleEvent");
    requests.push((request as Uint8Array).slice());
    return answer(request as Uint8Array);
  },
});

function outcome(line: string): ProcessedRecord {
  return decodeOutcome(adapter(line) as string);
}

function login(user: string, extra = ""): string {
  // Spacing and an unknown key, both of which a verbatim forward keeps.
  return `{"ei":1, "event":"user.login","code":"T1000I","user":"${user}","success":true${extra}}`;
}

Deno.test("each plugin answer becomes its outcome", () => {
  assert.deepEqual(outcome(login("alice", ',"x-unknown":{"kept":true}')), { kind: "forward" });
  assert.deepEqual(outcome(login("dropped")), { kind: "drop" });
  assert.deepEqual(outcome(login("refused")), {
    kind: "error",
    message: "plugin reported an error: not today",
  });
  assert.deepEqual(outcome(login("garbled")), {
    kind: "error",
    message: "unusable plugin response: malformed plugin.HandleEventResponse: field 1 has wire type 2",
  });
  assert.deepEqual(outcome(login("renamed", ',"x-unknown":1')), {
    kind: "modified",
    line:
      '{"ei":1,"event":"user.login","code":"T1000I","user":"renamed","success":true,"x-unknown":1,"login":"root"}',
  });
  // A type the schema lacks reaches the plugin as events.Unknown and is forwarded as it came.
  assert.deepEqual(outcome('{"event":"acme.custom","n":1}'), { kind: "forward" });
});

Deno.test("a failing plugin call fails the adapter call with that error", () => {
  assert.throws(() => adapter(login("crashed")), /boom at assembly\/event_handler.ts:3:5/);
});

Deno.test("lines that are not JSON objects are malformed and never reach the plugin", () => {
  requests.length = 0;
  for (const line of ['{"event":"user.login",', "{oops}", ""]) {
    const result = outcome(line);
    assert.equal(result.kind, "malformed", line);
    assert.match((result as { message: string }).message, /^not JSON: /);
  }
  assert.deepEqual(outcome("[1,2]"), { kind: "malformed", message: "not a JSON object: array" });
  assert.deepEqual(outcome("null"), { kind: "malformed", message: "not a JSON object: null" });
  // A bare integer beyond 2^53 is parsed exactly (as a raw number), and still is not an object.
  assert.deepEqual(outcome("12345678901234567890"), {
    kind: "malformed",
    message: "not a JSON object: number",
  });
  assert.equal(requests.length, 0);
});

Deno.test("integers beyond 2^53 reach the plugin exactly, wherever they sit in the line", () => {
  requests.length = 0;
  // Every alignment of the 16-digit literal against the scan's stride.
  const lines = Array.from(
    { length: 17 },
    (_, pad) => `{"user":"${"a".repeat(pad)}","event":"user.login","ei":9007199254740993}`,
  );
  assert.deepEqual(lines.map(outcome), lines.map(() => ({ kind: "forward" })));
  const indexes = requests.map((request) =>
    String(
      (codec.decodeEvent(eventOf(request)) as { UserLogin: { Metadata: { Index: unknown } } })
        .UserLogin.Metadata.Index,
    )
  );
  assert.deepEqual(indexes, lines.map(() => "9007199254740993"));
});

Deno.test("outcomes survive their text encoding", () => {
  const outcomes: ProcessedRecord[] = [
    { kind: "forward" },
    { kind: "drop" },
    { kind: "modified", line: '{"user":"é🙂"}' },
    { kind: "modified", line: "" },
    { kind: "error", message: "plugin reported an error: x" },
    { kind: "malformed", message: "not a JSON object: array" },
  ];
  for (const outcome of outcomes) assert.deepEqual(decodeOutcome(encodeOutcome(outcome)), outcome);
  assert.throws(() => decodeOutcome("Q"), /not an event outcome/);
});
