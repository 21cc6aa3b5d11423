/**
 * The plain worker script: the pool's worker without adapters. `lib/dist/worker_bundle.js` is this module
 * bundled; pools whose traits bring no worker script of their own run it.
 *
 * @module
 */
import { startWorker } from "./worker.ts";

startWorker({});
