/**
 * The worker side of `run`'s plugin processor: the `handleEventLine` adapter turns one Teleport audit JSON line
 * into the `plugin.HandleEventRequest` the plugin takes, calls the plugin's `handleEvent`, and decides the
 * event's fate from the response, all inside the worker, so that the pool's instances share the conversion
 * work and the main thread only moves lines:
 *
 * | plugin response | outcome |
 * |---|---|
 * | `Success`, `Event` byte-identical to the request's | forward the original line (no rendering) |
 * | `Success`, a changed `Event` | forward the re-rendered line (`modified`), or the original line when the change renders to the same JSON |
 * | `Success`, no `Event` | drop |
 * | `Success = false` | error with the plugin's `Error` message |
 * | undecodable response | error with its message |
 * | the line is not a JSON object | malformed |
 *
 * A plugin abort, trap, timeout or host-function failure fails the adapter call itself, as it would fail a
 * direct call of `handleEvent`.
 *
 * @module
 */
import protobuf from "protobufjs";
import type { AdapterContext, WorkerAdapter } from "../pool/worker.ts";
import { type ParsedEvent, TeleportJsonCodec, TeleportJsonError } from "../teleport_json/codec.ts";
import type { ProcessedRecord } from "../pipeline/types.ts";
import type { EventLineAdapterConfig } from "./event_line_contract.ts";
import { DROP, encodeOutcome, FORWARD } from "./outcome.ts";
import { readPluginResponse } from "./response.ts";
import bundledDescriptor from "../dist/schema_descriptor.json" with { type: "text" };
import { errorMessage } from "../error_message.ts";

/** `plugin.HandleEventRequest.Event`: the converter writes each request around its event in one pass. */
const REQUEST_EVENT_FIELD = 1;

/** Makes the adapter from its {@linkcode EventLineAdapterConfig}; the result maps a line to its encoded outcome. */
export const handleEventLine: WorkerAdapter = ({ config, call }: AdapterContext) => {
  const { schema } = config as EventLineAdapterConfig;
  // From JSON, not the .proto texts: a fresh worker loads it in ~15 ms instead of ~50. (Text, parsed here: as a
  // JSON module the bundler would inline it as an object literal, which takes V8 longer to compile.)
  const root = protobuf.Root.fromJSON(schema ?? (JSON.parse(bundledDescriptor) as protobuf.INamespace));
  const json = new TeleportJsonCodec({ root });
  return (line) => {
    let event: ParsedEvent;
    try {
      event = json.toEvent(line as string, REQUEST_EVENT_FIELD);
    } catch (error) {
      if (error instanceof TeleportJsonError) {
        return encodeOutcome({ kind: "malformed", message: error.message });
      }
      return encodeOutcome({ kind: "error", message: `converting the event failed: ${errorMessage(error)}` });
    }
    const response = call("handleEvent", event.wrapped!) as Uint8Array;
    return encodeOutcome(outcomeOf(event, response, json));
  };
};

/** The fate of one event from the plugin's encoded `plugin.HandleEventResponse`. */
function outcomeOf(event: ParsedEvent, responseBytes: Uint8Array, json: TeleportJsonCodec): ProcessedRecord {
  try {
    const response = readPluginResponse(responseBytes);
    if (!response.success) {
      return {
        kind: "error",
        message: `plugin reported an error: ${response.error === "" ? "(no message)" : response.error}`,
      };
    }
    if (response.eventBytes === undefined) return DROP;
    // renderEvent returns the original line itself (same string) when the event did not change.
    const line = json.renderEvent(event, response.eventBytes);
    return line === event.line ? FORWARD : { kind: "modified", line };
  } catch (error) {
    return { kind: "error", message: `unusable plugin response: ${errorMessage(error)}` };
  }
}
