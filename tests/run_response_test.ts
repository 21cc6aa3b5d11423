/**
 * The hot-path reader of `plugin.HandleEventResponse` agrees with the schema-driven codec on every shape a
 * plugin can send, and rejects malformed bytes with a clear error.
 */
import assert from "node:assert/strict";
import { bundledCodec } from "../lib/proto/codec.ts";
import { PluginResponseError, readPluginResponse } from "../lib/run/response.ts";

const codec = bundledCodec();
const event = codec.encodeEvent({
  UserLogin: { Metadata: { Type: "user.login", Index: 7n }, User: { User: "alice", Login: "root" } },
});

function viaCodec(bytes: Uint8Array) {
  const decoded = codec.decodeHandleEventResponse(bytes, { decodeEvent: false });
  return { success: decoded.Success, error: decoded.Error, eventBytes: decoded.eventBytes };
}

Deno.test("readPluginResponse: forward, drop and failure read as the codec reads them", () => {
  const cases = [
    codec.encodeHandleEventResponse({ Success: true, Event: event }),
    codec.encodeHandleEventResponse({ Success: true }),
    codec.encodeHandleEventResponse({ Success: false, Error: "the plugin gave up: ünïcode" }),
    new Uint8Array(),
  ];
  for (const bytes of cases) assert.deepEqual(readPluginResponse(bytes), viaCodec(bytes));
  assert.deepEqual(readPluginResponse(cases[0]).eventBytes, event);
  assert.equal(readPluginResponse(cases[1]).eventBytes, undefined);
});

Deno.test("readPluginResponse: unknown fields are skipped and repeated Event parts are merged", () => {
  const half = Math.floor(event.length / 2);
  // Field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32 around two Event (3) parts.
  const bytes = new Uint8Array([
    0x48,
    0x96,
    0x01,
    0x51,
    ...new Array(8).fill(1),
    0x1a,
    half,
    ...event.subarray(0, half),
    0x5a,
    0x02,
    0xff,
    0xff,
    0x65,
    1,
    2,
    3,
    4,
    0x1a,
    event.length - half,
    ...event.subarray(half),
    0x08,
    0x01,
  ]);
  assert.deepEqual(readPluginResponse(bytes), { success: true, error: "", eventBytes: event });
  assert.deepEqual(readPluginResponse(bytes), viaCodec(bytes));
});

Deno.test("readPluginResponse: malformed bytes fail with a message naming the problem", () => {
  const cases: [number[], RegExp][] = [
    [[0x08], /truncated varint/],
    [[0x1a, 0x05, 0x0a], /length past the end/],
    [[0x0a, 0x00], /field 1 has wire type 2/],
    [[0x00], /field number 0/],
    [[0x12, 0x01, 0xff], /Error is not valid UTF-8/],
    [[0x4b], /unsupported wire type 3/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => readPluginResponse(new Uint8Array(bytes)), (error: unknown) => {
      assert.ok(error instanceof PluginResponseError);
      assert.match(error.message, /^malformed plugin\.HandleEventResponse: /);
      assert.match(error.message, message);
      return true;
    });
  }
});
