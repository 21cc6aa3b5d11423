/**
 * AssemblyScript memory interop, the declared value types, and the WebAssembly binary inspector.
 *
 * @module
 */
export * from "./assemblyscript.ts";
export * from "./types.ts";
export {
  inspectWasm,
  limitMemory,
  WASM_PAGE_SIZE,
  type WasmExport,
  WasmFormatError,
  type WasmFunctionType,
  type WasmImport,
  type WasmMemoryLimits,
  type WasmModuleInfo,
  type WasmValueType,
} from "./wasm_binary.ts";
