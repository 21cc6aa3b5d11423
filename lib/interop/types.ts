/**
 * The value types a host function or plugin export may declare, and how each maps to JavaScript.
 *
 * `string` is an AssemblyScript `string` (UTF-16 in plugin memory) and `bytes` an AssemblyScript
 * `ArrayBuffer`; both travel as a pointer on the WebAssembly side and are marshalled once, generically,
 * from the declaration. `text` is a JavaScript string that crosses threads as UTF-8: plugins have no such
 * type, so only worker adapters (`trait.ts`), which run JavaScript next to the plugin, declare it.
 *
 * @module
 */

/**
 * A parameter type: a WebAssembly number, a boolean, an AssemblyScript string or ArrayBuffer, or (for worker
 * adapters only) UTF-8 `text`.
 */
export type ParamType = "i32" | "i64" | "f32" | "f64" | "bool" | "string" | "bytes" | "text";

/** A result type: any parameter type, or `void`. */
export type ResultType = ParamType | "void";

/** Maps a declared type to the JavaScript type trait code and pool callers see. */
export type JsValueOf<T extends ResultType> = T extends "string" | "text" ? string
  : T extends "bytes" ? Uint8Array
  : T extends "i64" ? bigint
  : T extends "bool" ? boolean
  : T extends "void" ? void
  : number;

/** Maps a tuple of declared parameter types to the tuple of JavaScript argument types. */
export type JsParams<P extends readonly ParamType[]> = { -readonly [K in keyof P]: JsValueOf<P[K]> };

/** A function signature in declared types, e.g. `{ params: ["string", "i32"], result: "i32" }`. */
export interface Signature<
  P extends readonly ParamType[] = readonly ParamType[],
  R extends ResultType = ResultType,
> {
  /** Parameter types, in order. */
  readonly params: P;
  /** Result type (`void` for none). */
  readonly result: R;
}

/** Named plugin exports and their signatures, e.g. `{ handleEvent: { params: ["bytes"], result: "bytes" } }`. */
export type ExportDeclarations = Readonly<Record<string, Signature>>;

/** The WebAssembly value type each declared type travels as (`void` and `text` have none). */
export const WASM_TYPE: Readonly<Record<ResultType, "i32" | "i64" | "f32" | "f64" | undefined>> = {
  i32: "i32",
  i64: "i64",
  f32: "f32",
  f64: "f64",
  bool: "i32",
  string: "i32",
  bytes: "i32",
  text: undefined,
  void: undefined,
};

const PARAM_TYPES: ReadonlySet<string> = new Set(Object.keys(WASM_TYPE).filter((t) => t !== "void"));

/** Whether `value` is a valid {@linkcode ParamType}. */
export function isParamType(value: unknown): value is ParamType {
  return typeof value === "string" && PARAM_TYPES.has(value);
}

/** Whether `value` is a valid {@linkcode ResultType}. */
export function isResultType(value: unknown): value is ResultType {
  return value === "void" || isParamType(value);
}

/** Renders a signature the way error messages show it, e.g. `(string, i32) -> i32`. */
export function formatSignature(signature: Signature): string {
  return `(${signature.params.join(", ")}) -> ${signature.result}`;
}
