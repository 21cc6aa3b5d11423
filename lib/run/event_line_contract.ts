/**
 * What the `EventLines` trait (main thread) and the `handleEventLine` adapter (worker) agree on: the adapter's
 * name and its configuration. Kept apart from the adapter so that the trait does not load the worker-side code.
 *
 * @module
 */
import type protobuf from "protobufjs";

/** The adapter's registry name in the event worker script. */
export const EVENT_LINE_ADAPTER = "teleport-json.handleEventLine";

/** The adapter's configuration. */
export interface EventLineAdapterConfig {
  /**
   * The schema holding `events.OneOf`, as `protobuf.Root#toJSON()` gives it (a `protobuf.Root` cannot cross
   * threads); the bundled schema, whose descriptor the worker script holds, when undefined.
   */
  readonly schema?: protobuf.INamespace;
}
