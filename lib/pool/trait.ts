/**
 * Traits: the typed units that connect a plugin to the host. A trait lists the host functions it gives the
 * plugin (by WebAssembly import namespace and name, with declared parameter and result types) and the
 * exports it needs from the plugin. The pool marshals every value from these declarations, so trait code
 * only sees `string`, `Uint8Array`, `number`, `boolean` and `bigint`.
 *
 * Host functions run where their state is:
 * - {@linkcode hostFunction}: on the main thread; the plugin waits for the (possibly async) result.
 * - {@linkcode notification}: on the main thread, fire-and-forget (`void` result), e.g. logging.
 * - {@linkcode workerFunction}: inside the worker, for functions built into the worker (pure, or on state in a
 *   `SharedArrayBuffer` shared by the workers).
 *
 * A trait may also give callers exports of its own, {@linkcode AdapterExport}s: JavaScript that runs in the
 * worker around the plugin's exports, so that per-call work (e.g. turning a JSON line into the protobuf request
 * the plugin takes) is spread over the workers instead of loading the main thread. Their code is part of a worker
 * script the trait brings ({@linkcode WorkerScript}); pools whose traits bring none run the plain worker.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type {
  ExportDeclarations,
  JsParams,
  JsValueOf,
  ParamType,
  ResultType,
  Signature,
} from "../interop/types.ts";
import type { WorkerBuiltinName } from "./worker_builtins.ts";

/** What a main-thread host function learns about the call it serves. */
export interface HostCallContext {
  /** The id of the instance (worker) that made the call. */
  readonly instanceId: number;
  /** The plugin export being executed. */
  readonly exportName: string;
  /** The pool's logger. */
  readonly logger: Logger;
}

/** What every host function declares: where the plugin imports it from and its signature. */
export interface HostFunctionDeclaration<P extends readonly ParamType[], R extends ResultType> {
  /** Import namespace, as in AssemblyScript's `@external("namespace", "name")`. */
  readonly namespace: string;
  /** Import name. */
  readonly name: string;
  /** Parameter types, in order. */
  readonly params: P;
  /** Result type (`void` for none). */
  readonly result: R;
}

/** A host function run on the main thread; the plugin blocks until it returns. */
export interface MainThreadHostFunction<
  P extends readonly ParamType[] = readonly ParamType[],
  R extends ResultType = ResultType,
> extends HostFunctionDeclaration<P, R> {
  /** Runs on the main thread; the plugin waits. */
  readonly kind: "main";
  /** The implementation; may be async. Throwing fails the plugin call with the thrown error. */
  run(...args: [...JsParams<P>, HostCallContext]): JsValueOf<R> | Promise<JsValueOf<R>>;
}

/** A `void` host function run on the main thread without making the plugin wait. */
export interface NotificationHostFunction<P extends readonly ParamType[] = readonly ParamType[]>
  extends HostFunctionDeclaration<P, "void"> {
  /** Runs on the main thread; the plugin does not wait. */
  readonly kind: "notification";
  /** The implementation; errors are logged, the plugin call goes on. */
  run(...args: [...JsParams<P>, HostCallContext]): void;
}

/** A pure host function that runs inside the worker (see `worker_builtins.ts`). */
export interface WorkerHostFunction<
  P extends readonly ParamType[] = readonly ParamType[],
  R extends ResultType = ResultType,
> extends HostFunctionDeclaration<P, R> {
  /** Runs inside the worker. */
  readonly kind: "worker";
  /** The worker builtin implementing it. */
  readonly builtin: WorkerBuiltinName;
  /** State the builtin shares between the pool's workers (and the main thread), e.g. a token table. */
  readonly shared?: SharedArrayBuffer;
}

/** Any host function. */
export type HostFunction = MainThreadHostFunction | NotificationHostFunction | WorkerHostFunction;

/**
 * An export implemented inside the worker by an adapter of the trait's {@linkcode WorkerScript}: pool callers
 * call it like a plugin export; the adapter calls the plugin's exports. Its types may include `text` (UTF-8).
 */
export interface AdapterExport<
  P extends readonly ParamType[] = readonly ParamType[],
  R extends ResultType = ResultType,
> extends Signature<P, R> {
  /** The adapter's name in the worker script's registry. */
  readonly adapter: string;
  /**
   * Handed to the adapter once per worker (it outlives instance replacements); must survive `structuredClone`
   * (e.g. a schema as JSON).
   */
  readonly config?: unknown;
}

/** Adapter exports by name. */
export type AdapterExports = Readonly<Record<string, AdapterExport>>;

/**
 * The worker a trait's adapters need: the pool's worker bundled together with them (see
 * `lib/dist/worker_bundle.ts`). Workers start from this text, so they still read nothing from disk.
 */
export interface WorkerScript {
  /** Names the script in error messages, e.g. `teleport-json`. */
  readonly name: string;
  /** The bundled JavaScript module. */
  readonly source: string;
}

/**
 * A trait: host functions given to the plugin and exports required from it.
 *
 * @example A trait that gives `kv.get(key: string): string` and needs `run(): void`
 * ```ts
 * import { hostFunction, type Trait } from "./trait.ts";
 * class Kv implements Trait<{ readonly run: { readonly params: readonly []; readonly result: "void" } }> {
 *   readonly name = "Kv";
 *   readonly requiredExports = { run: { params: [], result: "void" } } as const;
 *   readonly hostFunctions = [
 *     hostFunction({ namespace: "kv", name: "get", params: ["string"], result: "string", run: (key) => key }),
 *   ];
 * }
 * ```
 */
export interface Trait<
  E extends ExportDeclarations = ExportDeclarations,
  A extends AdapterExports = AdapterExports,
> {
  /** A name for error messages, e.g. `Store`. */
  readonly name: string;
  /** Host functions this trait gives the plugin. */
  readonly hostFunctions: readonly HostFunction[];
  /** Exports this trait needs the plugin to have, with their signatures. */
  readonly requiredExports: E;
  /** Exports this trait adds, implemented in the worker around the plugin's (needs {@linkcode workerScript}). */
  readonly adapterExports?: A;
  /** The worker script implementing {@linkcode adapterExports}. */
  readonly workerScript?: WorkerScript;
}

/** Declares a main-thread host function; parameter types flow into `run`. */
export function hostFunction<const P extends readonly ParamType[], const R extends ResultType>(
  declaration: Omit<MainThreadHostFunction<P, R>, "kind">,
): MainThreadHostFunction<P, R> {
  return { kind: "main", ...declaration };
}

/** Declares a fire-and-forget main-thread host function. */
export function notification<const P extends readonly ParamType[]>(
  declaration: Omit<NotificationHostFunction<P>, "kind" | "result">,
): NotificationHostFunction<P> {
  return { kind: "notification", result: "void", ...declaration };
}

/** Declares a host function implemented by a worker builtin. */
export function workerFunction<const P extends readonly ParamType[], const R extends ResultType>(
  declaration: Omit<WorkerHostFunction<P, R>, "kind">,
): WorkerHostFunction<P, R> {
  return { kind: "worker", ...declaration };
}

/** Turns a union of object types into their intersection. */
export type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/**
 * The exports required by a list of traits and the adapter exports they add, merged: this types
 * `ExecutionContextPool.execute`.
 */
export type ExportsOf<T extends readonly Trait[]> = UnionToIntersection<
  T[number]["requiredExports"] | AdapterExportsOf<T[number]>
> extends infer E extends ExportDeclarations ? { [K in keyof E]: E[K] } : never;

/** The adapter exports of a trait (of each member of a union of traits), `never` when it has none. */
export type AdapterExportsOf<T> = T extends { readonly adapterExports: infer A extends AdapterExports } ? A
  : never;
