/**
 * A worker that runs {@linkcode floorLoop} on its own: told `{ module }` it instantiates and answers `ready`;
 * told a number of events it handles them and answers `done`. The main thread does nothing meanwhile, so two
 * of them show how far this machine scales the work itself, with no pool around it.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { floorLoop } from "./floor_loop.ts";

let loop: ((count: number) => void) | undefined;

self.onmessage = async (event: MessageEvent<{ module: WebAssembly.Module } | number>) => {
  if (typeof event.data === "number") {
    loop!(event.data);
    self.postMessage("done");
    return;
  }
  loop = await floorLoop(event.data.module);
  self.postMessage("ready");
};
