/**
 * A worker waiting for a main-thread host function's answer takes only the channel state as the sign that
 * the answer is there: a notify that comes while the state still says "waiting" (the late notify of the
 * previous call's answer) must not end the wait, or the worker would reuse the channel before the main
 * thread read the call's arguments (seen in production as a corrupted `upsertLock` after a slow `takeToken`).
 */
import assert from "node:assert/strict";
import { waitForHostAnswer } from "../lib/pool/host_answer.ts";
import { CHANNEL_ANSWERED, CHANNEL_WAITING, SLOT_CHANNEL_STATE, SLOT_COUNT } from "../lib/pool/protocol.ts";

/** A thread that notifies the channel state slot while it still says waiting, then answers. */
const NOTIFIER = `
self.onmessage = ({ data: { control, state, waiting, answered } }) => {
  const slots = new Int32Array(control);
  const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  // Let the waiter block first, then wake it without answering: a stale notify.
  pause(50);
  const woken = Atomics.notify(slots, state);
  pause(100);
  const sawWaiting = Atomics.load(slots, state) === waiting;
  Atomics.store(slots, state, answered);
  Atomics.notify(slots, state);
  self.postMessage({ woken, sawWaiting });
};`;

Deno.test("waitForHostAnswer: a notify while the state still says waiting does not end the wait", async () => {
  const control = new SharedArrayBuffer(SLOT_COUNT * 4);
  const slots = new Int32Array(control);
  Atomics.store(slots, SLOT_CHANNEL_STATE, CHANNEL_WAITING);
  const url = URL.createObjectURL(new Blob([NOTIFIER], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    const report = new Promise<{ woken: number; sawWaiting: boolean }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
    });
    worker.postMessage({
      control,
      state: SLOT_CHANNEL_STATE,
      waiting: CHANNEL_WAITING,
      answered: CHANNEL_ANSWERED,
    });
    // Blocks this thread until the notifier answers; the stale notify comes first.
    waitForHostAnswer(slots, 10_000, () => false);
    assert.equal(Atomics.load(slots, SLOT_CHANNEL_STATE), CHANNEL_ANSWERED);
    const { woken, sawWaiting } = await report;
    // The stale notify reached the waiter, and the wait went on until the real answer.
    assert.equal(woken, 1);
    assert.equal(sawWaiting, true);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
});

Deno.test("waitForHostAnswer: stops with an error once the worker is terminated", () => {
  const slots = new Int32Array(new SharedArrayBuffer(SLOT_COUNT * 4));
  Atomics.store(slots, SLOT_CHANNEL_STATE, CHANNEL_WAITING);
  let polls = 0;
  assert.throws(() => waitForHostAnswer(slots, 1, () => ++polls === 3), /the instance was terminated/);
  assert.equal(polls, 3);
});
