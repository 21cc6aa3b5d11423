/**
 * The bundled schema: the project's `proto/` files, embedded in the program as text (no file-system
 * access at run time, so it also works in a compiled binary), parsed once on first use.
 *
 * The texts are exported too: the code generator and the `new` command feed them to the generator and
 * write them into plugin projects, and {@linkcode bundledProtoSource} lets users' own `.proto` files
 * import them.
 *
 * @module
 */
import type protobuf from "protobufjs";
import { loadProtoRoot, memorySource, type ProtoSource } from "./loader.ts";
import eventsProto from "../../proto/teleport/legacy/types/events/events.proto" with { type: "text" };
import typesProto from "../../proto/teleport/legacy/types/types.proto" with { type: "text" };
import wrappersProto from "../../proto/teleport/legacy/types/wrappers/wrappers.proto" with { type: "text" };
import interopProto from "../../proto/plugin/interop.proto" with { type: "text" };
import gogoProto from "../../proto/gogoproto/gogo.proto" with { type: "text" };
import descriptorProto from "../../proto/google/protobuf/descriptor.proto" with { type: "text" };
import timestampProto from "../../proto/google/protobuf/timestamp.proto" with { type: "text" };
import durationProto from "../../proto/google/protobuf/duration.proto" with { type: "text" };
import structProto from "../../proto/google/protobuf/struct.proto" with { type: "text" };
import wrappersWktProto from "../../proto/google/protobuf/wrappers.proto" with { type: "text" };
import emptyProto from "../../proto/google/protobuf/empty.proto" with { type: "text" };

/** Every bundled `.proto` file, by import path (the path relative to `proto/`). */
export const BUNDLED_PROTO_FILES: Readonly<Record<string, string>> = Object.freeze({
  "teleport/legacy/types/events/events.proto": eventsProto,
  "teleport/legacy/types/types.proto": typesProto,
  "teleport/legacy/types/wrappers/wrappers.proto": wrappersProto,
  "plugin/interop.proto": interopProto,
  "gogoproto/gogo.proto": gogoProto,
  "google/protobuf/descriptor.proto": descriptorProto,
  "google/protobuf/timestamp.proto": timestampProto,
  "google/protobuf/duration.proto": durationProto,
  "google/protobuf/struct.proto": structProto,
  "google/protobuf/wrappers.proto": wrappersWktProto,
  "google/protobuf/empty.proto": emptyProto,
});

/**
 * The files to load so that every bundled message is in the root: the plugin contract (which pulls in
 * events, types and wrappers) plus the well-known types no Teleport file imports.
 */
export const BUNDLED_ENTRY_FILES: readonly string[] = Object.freeze([
  "plugin/interop.proto",
  "google/protobuf/duration.proto",
  "google/protobuf/empty.proto",
]);

/** Fully qualified names of the messages the host works with. */
export const MessageNames: {
  readonly oneOf: "events.OneOf";
  readonly handleEventRequest: "plugin.HandleEventRequest";
  readonly handleEventResponse: "plugin.HandleEventResponse";
  readonly lockV2: "types.LockV2";
  readonly timestamp: "google.protobuf.Timestamp";
  readonly struct: "google.protobuf.Struct";
} = Object.freeze(
  {
    oneOf: "events.OneOf",
    handleEventRequest: "plugin.HandleEventRequest",
    handleEventResponse: "plugin.HandleEventResponse",
    lockV2: "types.LockV2",
    timestamp: "google.protobuf.Timestamp",
    struct: "google.protobuf.Struct",
  } as const,
);

/** The parsed bundled schema and the reflection types the host uses most. */
export interface BundledSchema {
  /** The resolved protobufjs root with every bundled file (keepCase, comments and options kept). */
  root: protobuf.Root;
  /** `events.OneOf`, the envelope of every audit event. */
  oneOf: protobuf.Type;
  /** `plugin.HandleEventRequest`, what the host passes to `handleEvent`. */
  handleEventRequest: protobuf.Type;
  /** `plugin.HandleEventResponse`, what `handleEvent` returns. */
  handleEventResponse: protobuf.Type;
  /** `types.LockV2`, what a plugin sends to `upsertLock`. */
  lockV2: protobuf.Type;
  /** Import paths of the loaded files, in load order. */
  files: string[];
}

/** A {@linkcode ProtoSource} serving the bundled files, to chain after a user's proto paths. */
export function bundledProtoSource(): ProtoSource {
  return memorySource(BUNDLED_PROTO_FILES, "bundled schema");
}

/**
 * Parses the bundled files into a new root. Most callers want the shared {@linkcode bundledSchema}; this is
 * for callers that add their own definitions to the root.
 */
export function loadBundledSchema(): BundledSchema {
  const { root, files } = loadProtoRoot(BUNDLED_ENTRY_FILES, bundledProtoSource());
  return {
    root,
    oneOf: root.lookupType(MessageNames.oneOf),
    handleEventRequest: root.lookupType(MessageNames.handleEventRequest),
    handleEventResponse: root.lookupType(MessageNames.handleEventResponse),
    lockV2: root.lookupType(MessageNames.lockV2),
    files,
  };
}

let shared: BundledSchema | undefined;

/**
 * The bundled schema, parsed on first call (about 50 ms) and shared afterwards. Treat the returned root
 * as read-only; use {@linkcode loadBundledSchema} for a private copy.
 *
 * @example
 * ```ts
 * import { bundledSchema } from "./schema.ts";
 * const { oneOf } = bundledSchema();
 * oneOf.fields.UserLogin.id; // 1
 * ```
 */
export function bundledSchema(): BundledSchema {
  shared ??= loadBundledSchema();
  return shared;
}
