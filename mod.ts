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
export { CodegenError, generateAssemblyScript, type GenerateOptions } from "./lib/codegen/generate.ts";
export { generateHandleEventBase, type HandleEventBaseOptions } from "./lib/codegen/handle_event.ts";
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
export {
  configureLogging,
  type Logger,
  logger,
  type LoggingOptions,
  type LogLevel,
  ROOT_CATEGORY,
} from "./lib/log.ts";
export * from "./lib/pool/mod.ts";
export * from "./lib/interop/mod.ts";
export * from "./traits/mod.ts";
export { VERSION } from "./lib/version.ts";
export * from "./lib/pipeline/mod.ts";
export type { TokenStore } from "./lib/store/types.ts";
export { MAX_TTL_SECONDS, TokenStoreArgumentError } from "./lib/store/validate.ts";
export {
  DEFAULT_MEMORY_STORE_CAPACITY,
  MemoryTokenStore,
  type MemoryTokenStoreOptions,
  TokenTableFullError,
} from "./lib/store/memory.ts";
export type { TokenTableCapacity } from "./lib/store/token_table.ts";
export { KvTokenStore, type KvTokenStoreOptions } from "./lib/store/kv.ts";
export { RedisTokenStore, type RedisTokenStoreOptions } from "./lib/store/redis.ts";
export {
  openTokenStore,
  type OpenTokenStoreOptions,
  parseTokenStoreSpec,
  TOKEN_STORE_SPEC_FORMS,
  type TokenStoreSpec,
  TokenStoreSpecError,
} from "./lib/store/open.ts";
export type { TeleportClient } from "./lib/api/types.ts";
export {
  checkLockRequest,
  InvalidLockError,
  LOCK_TARGET_FIELDS,
  lockToJSON,
  validateLock,
} from "./lib/api/lock.ts";
export { type LockClientOptions, type RecordedLock, RecordingTeleportClient } from "./lib/api/record.ts";
export { DryRunTeleportClient } from "./lib/api/dry_run.ts";
export {
  TELEPORT_API_DOMAIN,
  TeleportApiError,
  TeleportGrpcClient,
  type TeleportGrpcClientOptions,
} from "./lib/api/grpc.ts";
export {
  AUTH_SERVICE_NAME,
  type AuthServiceDefinition,
  authServiceDefinition,
  loadAuthService,
  type RawMethodDefinition,
} from "./lib/api/auth_service.ts";
export {
  IdentityFileError,
  parseIdentityFile,
  readIdentityFile,
  type TeleportIdentity,
} from "./lib/api/identity.ts";
export {
  openTeleportClient,
  type OpenTeleportClientOptions,
  parseTeleportClientSpec,
  TELEPORT_CLIENT_SPEC_FORMS,
  type TeleportClientSpec,
  TeleportClientSpecError,
} from "./lib/api/open.ts";
export { EVENT_TYPES, type EventTypeInfo, eventTypeInfo, eventTypesOfMember } from "./lib/events/catalog.ts";
export { type PluginTestOptions, runPluginTests } from "./lib/testing/runner.ts";
export * from "./lib/run/mod.ts";
export { type PluginResponse, PluginResponseError, readPluginResponse } from "./lib/run/response.ts";
export type { TestEvent, TestFailure, TestResult, TestRunSummary } from "./lib/testing/results.ts";
export {
  type CreatedPluginProject,
  createPluginProject,
  type CreatePluginProjectOptions,
  pluginProjectFiles,
  ProjectExistsError,
} from "./lib/scaffold/project.ts";
export {
  buildPlugin,
  type BuildPluginOptions,
  type BuildTarget,
  type BuiltTarget,
  PluginBuildError,
  readBuildConfig,
  type TargetConfig,
} from "./lib/scaffold/build.ts";
export {
  closeTemplateNames,
  type FixtureDocument,
  type FixtureTemplate,
  fixtureTemplates,
  renderFixture,
  type RenderFixtureOptions,
} from "./lib/scaffold/fixture_templates.ts";
export { EXAMPLE_NAMES, type ExampleName } from "./boilerplate/mod.ts";
