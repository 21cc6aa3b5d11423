/**
 * The in-thread floor of the pool benchmark: one instance of the plugin in the calling thread, each event
 * copied in, handled and copied out, with nothing else around it. The benchmark runs it on its own thread
 * (the floor) and in bare workers (the most two threads of this machine give, with no pool at all).
 *
 * @module
 */
import { AssemblyScriptMemoryInterop } from "../lib/interop/assemblyscript.ts";

/** The 1 KiB event every path of the pool benchmark handles. */
export const EVENT: Uint8Array = new Uint8Array(1024).map((_, i) => i);

/** Instantiates `module` and returns a loop that handles `count` events with its `handleEvent`. */
export async function floorLoop(module: WebAssembly.Module): Promise<(count: number) => void> {
  const instance = await WebAssembly.instantiate(module, { env: { abort() {}, trace() {}, seed: () => 1 } });
  const interop = new AssemblyScriptMemoryInterop(instance.exports);
  const handle = instance.exports.handleEvent as (ptr: number) => number;
  return (count) => {
    for (let i = 0; i < count; i++) {
      const ptr = interop.pin(interop.newArrayBuffer(EVENT));
      interop.getArrayBuffer(handle(ptr));
      interop.unpin(ptr);
    }
  };
}
