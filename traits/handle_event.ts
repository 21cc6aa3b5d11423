/**
 * The plugin entry point the event pipeline calls.
 *
 * @module
 */
import type { HostFunction, Trait } from "../lib/pool/trait.ts";

/** The exports {@linkcode HandleEvent} requires. */
export type HandleEventExports = {
  readonly handleEvent: { readonly params: readonly ["bytes"]; readonly result: "bytes" };
};

/** The `handleEvent` export as {@linkcode HandleEvent} (and `EventLines`) require it. */
export const HANDLE_EVENT_EXPORTS: HandleEventExports = Object.freeze({
  handleEvent: Object.freeze({ params: ["bytes"] as const, result: "bytes" as const }),
});

/**
 * Requires `handleEvent(request: ArrayBuffer): ArrayBuffer` from the plugin: it takes an encoded
 * `plugin.HandleEventRequest` and returns an encoded `plugin.HandleEventResponse`.
 *
 * @example
 * ```ts ignore
 * const pool = await ExecutionContextPool.create({ plugin, traits: [new AssemblyScriptEnv(), new HandleEvent()] });
 * const response: Uint8Array = await pool.execute("handleEvent", request);
 * ```
 */
export class HandleEvent implements Trait<HandleEventExports> {
  readonly name = "HandleEvent";
  readonly requiredExports: HandleEventExports = HANDLE_EVENT_EXPORTS;
  readonly hostFunctions: readonly HostFunction[] = [];
}
