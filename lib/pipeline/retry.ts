/**
 * Retrying an operation forever with jittered exponential backoff, until it succeeds or the caller gives up
 * through an abort signal. Used for sink writes: a sink that is down for minutes must not lose events nor
 * stop the pipeline.
 *
 * @module
 */

/** Backoff settings. */
export interface RetryOptions {
  /** First delay in milliseconds. Default 200. */
  initialDelayMs?: number;
  /** Longest delay in milliseconds. Default 30,000. */
  maxDelayMs?: number;
}

/** Called after each failure with the error, the attempt number (1-based) and the delay before the next try. */
export type RetryListener = (error: unknown, attempt: number, delayMs: number) => void;

/**
 * The delay before retry number `attempt` (1-based): exponential, capped, with "equal jitter" (half fixed, half
 * random) so that many clients recovering at once do not retry in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}

/**
 * Runs `operation` until it resolves. `operation` receives the attempt number and may narrow what it retries
 * (e.g. only the undelivered part of a batch). Rejects with `signal.reason` as soon as `signal` aborts, even while
 * an attempt is still running (a hung write must not block a shutdown; its outcome is then ignored).
 *
 * @example
 * ```ts
 * import { retryForever } from "./retry.ts";
 * await retryForever(() => fetch("http://127.0.0.1:1/").then(() => {}), { signal: AbortSignal.timeout(1000) })
 *   .catch(() => {});
 * ```
 */
export async function retryForever<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: RetryListener } = {},
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await untilAborted(operation(attempt), options.signal);
    } catch (error) {
      options.signal?.throwIfAborted();
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await abortableDelay(delay, options.signal);
    }
  }
}

/** Waits `ms` milliseconds; rejects with the abort reason as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
