/**
 * In-memory test doubles for the pipeline: a sink that records lines and can be made to fail or to hold
 * writes until released.
 *
 * @module
 */
import type { Sink } from "../../lib/pipeline/mod.ts";

/** A sink keeping every delivered line; `failures` makes the next N writes fail; `hold()` gates writes. */
export class MemorySink implements Sink {
  readonly description = "memory";
  readonly lines: string[] = [];
  /** Writes attempted (including failed ones). */
  attempts = 0;
  /** How many of the next writes fail. */
  failures = 0;
  #gate: Promise<void> | undefined;
  #onWrite: (() => void) | undefined;

  async write(lines: readonly string[]): Promise<void> {
    this.attempts++;
    this.#onWrite?.();
    await this.#gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error("sink is down");
    }
    this.lines.push(...lines);
  }

  /** Makes writes wait until the returned function is called; resolves `written` when a write starts. */
  hold(): { release: () => void; writeStarted: Promise<void> } {
    let release!: () => void;
    this.#gate = new Promise((resolve) => release = resolve);
    const writeStarted = new Promise<void>((resolve) => this.#onWrite = resolve);
    return {
      release: () => {
        this.#gate = undefined;
        this.#onWrite = undefined;
        release();
      },
      writeStarted,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `n` events `{"event":"test.event","id":"<prefix><i>",...}` padded to about `size` bytes each. */
export function makeEvents(n: number, prefix = "e", size = 0): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const base = { event: "test.event", id: `${prefix}${i}`, time: "2026-01-01T00:00:00.000Z" };
    const line = JSON.stringify(base);
    lines.push(
      size > line.length + 12 ? JSON.stringify({ ...base, pad: "x".repeat(size - line.length - 10) }) : line,
    );
  }
  return lines;
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs` (a hang guard, not a timing check). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
