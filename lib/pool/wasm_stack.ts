/**
 * The WebAssembly frames of an error's stack, as the pool reports them with a trap or an abort.
 *
 * @module
 */

/** Frames an error's stack keeps in a worker: enough to reach the plugin's own code from deep in a library. */
export const WORKER_STACK_TRACE_LIMIT = 64;

/**
 * The WebAssembly frames of `error`'s stack, innermost first, each as `name (wasm-function[N]:0xOFFSET)`;
 * JavaScript frames are left out.
 */
export function wasmFrames(error: Error): string[] {
  const frames: string[] = [];
  for (const line of (error.stack ?? "").split("\n")) {
    const match = /^\s*at (?:(.+?) \()?wasm:\/\/wasm\/[0-9a-f]+:(wasm-function\[\d+\]:0x[0-9a-f]+)\)?$/.exec(
      line,
    );
    if (match) frames.push(`${match[1] ?? "<anonymous>"} (${match[2]})`);
  }
  return frames;
}
