/**
 * Teleport WASM plugin framework for Deno: run Teleport audit events through AssemblyScript plugins compiled
 * to WebAssembly, in a pool of isolated workers.
 *
 * Data flows source -> codec -> pool/worker -> plugin -> codec -> sink; each step is exported here so other
 * Deno programs can embed any part of it.
 *
 * @module
 */

export * from "./lib/asc/compiler.ts";
export * from "./lib/proto/loader.ts";
export * from "./lib/proto/schema.ts";
export * from "./lib/proto/codec.ts";
export * from "./lib/proto/fixture_json.ts";
export * from "./lib/proto/timestamp.ts";
export {
  applyChanges,
  type ParsedEvent,
  TeleportJsonCodec,
  type TeleportJsonCodecOptions,
  TeleportJsonError,
  UNKNOWN_EVENT_CODE,
  UNKNOWN_EVENT_TYPE,
} from "./lib/teleport_json/codec.ts";
export { ConversionError } from "./lib/teleport_json/plan.ts";
export {
  isRawNumber,
  type JsonObject as AuditJsonObject,
  type JsonValue as AuditJsonValue,
  parseJsonLossless,
  type RawJsonNumber,
} from "./lib/teleport_json/json.ts";
export { configureLogging, logger, type LoggingOptions, ROOT_CATEGORY } from "./lib/log.ts";
export { VERSION } from "./lib/version.ts";
export type { TokenStore } from "./lib/store/types.ts";
export type { TeleportClient } from "./lib/api/types.ts";
