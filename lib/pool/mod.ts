/**
 * The execution context pool and the trait building blocks.
 *
 * @module
 */
export { type CallOptions, ExecutionContextPool, type ExportArgs, type ExportResult } from "./pool.ts";
export type { CallResult } from "./batch.ts";
export type { ExecutionContextPoolOptions, MemoryLimit, PluginSource } from "./options.ts";
export * from "./errors.ts";
export {
  type AdapterExport,
  type AdapterExports,
  type AdapterExportsOf,
  type ExportsOf,
  type HostCallContext,
  type HostFunction,
  hostFunction,
  type HostFunctionDeclaration,
  type MainThreadHostFunction,
  notification,
  type NotificationHostFunction,
  type Trait,
  type UnionToIntersection,
  workerFunction,
  type WorkerHostFunction,
  type WorkerScript,
} from "./trait.ts";
export type { WorkerBuiltinName } from "./worker_builtins.ts";
