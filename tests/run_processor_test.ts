/**
 * The plugin processor's decision table, against a stand-in pool that answers each request as a plugin
 * would: forward unchanged (the original line, byte for byte), modified (re-rendered), drop, Success=false,
 * a failed call, an unusable response; outcomes stay in input order across slices.
 */
import assert from "node:assert/strict";
import type { CallResult } from "../lib/pool/batch.ts";
import { bundledCodec } from "../lib/proto/codec.ts";
import type { InputRecord, ProcessedRecord } from "../lib/pipeline/types.ts";
import { createPluginProcessor } from "../lib/run/processor.ts";

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

/** Answers by the login's user name. */
function answer(request: Uint8Array): CallResult<Uint8Array> {
  const eventBytes = eventOf(request);
  const event = codec.decodeEvent(eventBytes) as { UserLogin?: { User?: { User?: string; Login?: string } } };
  const user = event.UserLogin?.User?.User ?? "";
  switch (user) {
    case "dropped":
      return { ok: true, value: codec.encodeHandleEventResponse({ Success: true }) };
    case "refused":
      return { ok: true, value: codec.encodeHandleEventResponse({ Success: false, Error: "not today" }) };
    case "crashed":
      return { ok: false, error: new Error("abort: boom at assembly/event_handler.ts:3:5") };
    case "garbled":
      return { ok: true, value: new Uint8Array([0x0a, 0x00]) };
    case "renamed":
      event.UserLogin!.User!.Login = "root";
      return {
        ok: true,
        value: codec.encodeHandleEventResponse({ Success: true, Event: codec.encodeEvent(event as never) }),
      };
    default:
      return { ok: true, value: codec.encodeHandleEventResponse({ Success: true, Event: eventBytes }) };
  }
}

const batches: number[] = [];
const pool = {
  batch(_name: "handleEvent", calls: readonly [Uint8Array][]) {
    batches.push(calls.length);
    return Promise.resolve(calls.map(([request]) => answer(request)));
  },
};

function login(user: string, extra = ""): InputRecord {
  // Spacing and an unknown key, both of which a verbatim forward keeps.
  const line = `{"ei":1, "event":"user.login","code":"T1000I","user":"${user}","success":true${extra}}`;
  return { line, event: JSON.parse(line) };
}

Deno.test("each plugin answer becomes its outcome, in order", async () => {
  batches.length = 0;
  const inputs = [
    login("alice", ',"x-unknown":{"kept":true}'),
    login("dropped"),
    login("refused"),
    login("crashed"),
    login("garbled"),
    login("renamed", ',"x-unknown":1'),
    { line: '{"event":"acme.custom","n":1}', event: { event: "acme.custom", n: 1 } },
  ];
  const outcomes = await createPluginProcessor({ pool, sliceSize: 3 })(inputs);
  assert.deepEqual(
    outcomes,
    [
      { kind: "forward" },
      { kind: "drop" },
      { kind: "error", message: "plugin reported an error: not today" },
      { kind: "error", message: "plugin failed: abort: boom at assembly/event_handler.ts:3:5" },
      {
        kind: "error",
        message: "unusable plugin response: malformed plugin.HandleEventResponse: field 1 has wire type 2",
      },
      {
        kind: "modified",
        line:
          '{"ei":1,"event":"user.login","code":"T1000I","user":"renamed","success":true,"x-unknown":1,"login":"root"}',
      },
      { kind: "forward" },
    ] satisfies ProcessedRecord[],
  );
  // Three slices, each handed to the pool as soon as it was converted.
  assert.deepEqual(batches, [3, 3, 1]);
});

Deno.test("integers beyond 2^53 reach the plugin exactly, wherever they sit in the line", async () => {
  const seen: string[] = [];
  const recording = {
    batch(_name: "handleEvent", calls: readonly [Uint8Array][]) {
      for (const [request] of calls) {
        const event = codec.decodeEvent(eventOf(request)) as { UserLogin: { Metadata: { Index: unknown } } };
        seen.push(String(event.UserLogin.Metadata.Index));
      }
      return Promise.resolve(calls.map(([request]) => answer(request)));
    },
  };
  // Every alignment of the 16-digit literal against the scan's stride.
  const lines = Array.from(
    { length: 17 },
    (_, pad) => `{"user":"${"a".repeat(pad)}","event":"user.login","ei":9007199254740993}`,
  );
  const outcomes = await createPluginProcessor({ pool: recording })(
    lines.map((line) => ({ line, event: JSON.parse(line) })),
  );
  assert.deepEqual(seen, lines.map(() => "9007199254740993"));
  assert.deepEqual(outcomes, lines.map(() => ({ kind: "forward" })));
});
