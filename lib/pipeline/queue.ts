/**
 * A bounded first-in first-out channel between two async loops: `push` waits while the queue is full, `pull`
 * waits while it is empty, so a fast producer is held back by a slow consumer.
 *
 * @module
 */

/** Bounded async FIFO; `close()` lets the consumer drain what is queued and then see `undefined`. */
export class BoundedQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #closed = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  /** @param capacity Items held before `push` waits (at least 1). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  /** Items currently queued. */
  get size(): number {
    return this.#items.length;
  }

  /** Appends `item`, waiting while the queue is full. Throws once the queue is closed. */
  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity && !this.#closed) {
      await new Promise<void>((resolve) => this.#wakeProducer = resolve);
    }
    if (this.#closed) throw new Error("push on a closed queue");
    this.#items.push(item);
    this.#wake("consumer");
  }

  /** Takes the oldest item, waiting while the queue is empty; `undefined` once closed and drained. */
  async pull(): Promise<T | undefined> {
    while (this.#items.length === 0 && !this.#closed) {
      await new Promise<void>((resolve) => this.#wakeConsumer = resolve);
    }
    const item = this.#items.shift();
    this.#wake("producer");
    return item;
  }

  /** No more pushes; queued items can still be pulled. */
  close(): void {
    this.#closed = true;
    this.#wake("consumer");
    this.#wake("producer");
  }

  #wake(side: "consumer" | "producer"): void {
    const wake = side === "consumer" ? this.#wakeConsumer : this.#wakeProducer;
    if (side === "consumer") this.#wakeConsumer = undefined;
    else this.#wakeProducer = undefined;
    wake?.();
  }
}
