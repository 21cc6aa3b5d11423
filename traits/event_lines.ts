/**
 * Teleport audit JSON lines in, event outcomes out: the trait `run` builds its plugin pool with.
 *
 * @module
 */
import type protobuf from "protobufjs";
import type { AdapterExport, HostFunction, Trait, WorkerScript } from "../lib/pool/trait.ts";
import { EVENT_LINE_ADAPTER, type EventLineAdapterConfig } from "../lib/run/event_line_contract.ts";
import eventWorker from "../lib/dist/event_worker_bundle.js" with { type: "text" };
import { HANDLE_EVENT_EXPORTS, type HandleEventExports } from "./handle_event.ts";

/** The adapter export {@linkcode EventLines} adds. */
export type EventLinesExports = {
  readonly handleEventLine: AdapterExport<readonly ["text"], "text">;
};

/** What {@linkcode EventLines} is made with. */
export interface EventLinesOptions {
  /**
   * The schema holding `events.OneOf` and `plugin.HandleEventRequest`; by default the bundled schema, which the
   * workers load themselves (nothing to send them).
   */
  readonly root?: protobuf.Root;
}

const EVENT_WORKER: WorkerScript = { name: "teleport-json events", source: eventWorker };

/**
 * Requires `handleEvent` (as {@linkcode HandleEvent} does) and adds the export
 * `handleEventLine(line: text): text`, which runs inside the worker: it converts a Teleport audit JSON line into
 * a `plugin.HandleEventRequest`, calls `handleEvent`, and returns the event's outcome (forward, drop, modified
 * line, error or malformed line) encoded as `lib/run/outcome.ts` describes. The conversion work is thereby
 * spread over the pool's instances.
 *
 * @example
 * ```ts ignore
 * const pool = await ExecutionContextPool.create({ plugin, traits: [new AssemblyScriptEnv(), new EventLines()] });
 * const outcome: string = await pool.execute("handleEventLine", '{"event":"user.login","user":"bob"}');
 * ```
 */
export class EventLines implements Trait<HandleEventExports, EventLinesExports> {
  readonly name = "EventLines";
  readonly requiredExports: HandleEventExports = HANDLE_EVENT_EXPORTS;
  readonly hostFunctions: readonly HostFunction[] = [];
  readonly adapterExports: EventLinesExports;
  readonly workerScript: WorkerScript = EVENT_WORKER;

  /** Makes the trait; with `options.root`, the workers convert with that schema instead of the bundled one. */
  constructor(options: EventLinesOptions = {}) {
    const config: EventLineAdapterConfig = options.root === undefined
      ? {}
      : { schema: options.root.toJSON() };
    this.adapterExports = {
      handleEventLine: { params: ["text"], result: "text", adapter: EVENT_LINE_ADAPTER, config },
    };
  }
}
