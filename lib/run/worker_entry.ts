/**
 * The worker script of `run`'s plugin pools: the pool's worker with the `handleEventLine` adapter
 * (`event_line_adapter.ts`). `lib/dist/event_worker_bundle.js` is this module bundled; the `EventLines` trait
 * brings it.
 *
 * @module
 */
import { startWorker } from "../pool/worker.ts";
import { handleEventLine } from "./event_line_adapter.ts";
import { EVENT_LINE_ADAPTER } from "./event_line_contract.ts";

startWorker({ [EVENT_LINE_ADAPTER]: handleEventLine });
