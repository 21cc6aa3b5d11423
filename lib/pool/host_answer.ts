/**
 * The worker's side of a main-thread host call: waiting for the answer in shared memory.
 *
 * @module
 */
import { CHANNEL_WAITING, SLOT_CHANNEL_STATE } from "./protocol.ts";

/**
 * Blocks until the main thread has answered the host call in flight, i.e. the channel state is no longer
 * {@linkcode CHANNEL_WAITING}; throws when `terminated()` turns true meanwhile (checked every `pollMs`).
 *
 * Only the state says the answer is there. A wake-up alone does not: it may be the late notify of the previous
 * call's answer (whose state a poll saw before the notify came), and taking it for this call's answer would let
 * the worker reuse the channel while the main thread has yet to read this call's arguments.
 *
 * @example
 * ```ts ignore
 * Atomics.store(control, SLOT_CHANNEL_STATE, CHANNEL_WAITING);
 * self.postMessage({ type: "host-call", functionIndex });
 * waitForHostAnswer(control, 50, () => Atomics.load(control, SLOT_TERMINATED) === 1);
 * ```
 */
export function waitForHostAnswer(control: Int32Array, pollMs: number, terminated: () => boolean): void {
  while (Atomics.load(control, SLOT_CHANNEL_STATE) === CHANNEL_WAITING) {
    Atomics.wait(control, SLOT_CHANNEL_STATE, CHANNEL_WAITING, pollMs);
    if (terminated()) throw new Error("the instance was terminated");
  }
}
