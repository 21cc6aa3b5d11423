/**
 * The `forward://HOST:PORT` sink: Fluentd's Forward protocol with acknowledgements, through the fluent
 * organisation's `@fluent-org/logger` client (also understood by Fluent Bit and Vector). An event counts as
 * delivered only when the server acknowledged its chunk.
 *
 * @module
 */
import { FluentClient, FluentSocketEvent } from "@fluent-org/logger";
import { logger } from "../log.ts";
import type { Sink } from "./types.ts";
import { PartialWriteError } from "./types.ts";
import { errorMessage } from "../error_message.ts";

const log = logger("pipeline", "forward");

/** The default Forward tag. */
export const DEFAULT_FORWARD_TAG = "teleport.events";

/** Options of {@linkcode ForwardSink}. */
export interface ForwardSinkOptions {
  /** Server host name or address. */
  host: string;
  /** Server port. */
  port: number;
  /** Tag of every event. Default {@linkcode DEFAULT_FORWARD_TAG}. */
  tag?: string;
  /** How long to wait for the server's acknowledgement, in milliseconds. Default 10,000. */
  ackTimeoutMs?: number;
  /** Connect with TLS using this material (PEM text); `ca` verifies the server, `cert`+`key` identify us. */
  tls?: { ca?: string; cert?: string; key?: string };
}

/**
 * Sends events with the Forward protocol; the event time is the event's own `time` field when it is a valid
 * date, otherwise the time of sending.
 *
 * @example
 * ```ts
 * import { ForwardSink } from "./sink_forward.ts";
 * const sink = new ForwardSink({ host: "127.0.0.1", port: 24224 });
 * await sink.close();
 * ```
 */
export class ForwardSink implements Sink {
  readonly description: string;
  readonly #options: ForwardSinkOptions;
  #client: FluentClient | undefined;
  #onSocketError: ((error: Error) => void) | undefined;

  /** Prepares the sink; the connection is opened by the first write. */
  constructor(options: ForwardSinkOptions) {
    this.#options = options;
    this.description = `forward://${options.host}:${options.port}`;
  }

  /** Emits every line and waits for the acknowledgements; unacknowledged lines are reported as undelivered. */
  async write(lines: readonly string[]): Promise<void> {
    const client = this.#client ??= this.#connect();
    const delivered = new Array<boolean>(lines.length).fill(false);
    const emits = lines.map((line, i) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      return client.emit(record, eventTime(record)).then(() => {
        delivered[i] = true;
      });
    });
    const ackTimeout = this.#options.ackTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // An emit() can stay pending forever (e.g. after a failed TLS handshake), so the wait is bounded and the
    // client is replaced after a failure: shutting it down settles everything still pending.
    const guard = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), ackTimeout + 5_000)
    );
    // A connection error also leaves emits pending (the client queues them for a reconnect): fail fast instead.
    const socketFailed = new Promise<never>((_, reject) => this.#onSocketError = reject);
    let failure: unknown;
    try {
      const outcome = await Promise.race([Promise.all(emits), guard, socketFailed]);
      if (outcome === "timeout") failure = new Error(`no acknowledgement within ${ackTimeout + 5_000} ms`);
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(timer);
      this.#onSocketError = undefined;
    }
    if (failure === undefined) return;
    await this.#reset();
    await Promise.allSettled(emits);
    const undelivered = lines.filter((_, i) => !delivered[i]);
    if (undelivered.length === 0) return;
    const reason = errorMessage(failure);
    throw new PartialWriteError(
      `${undelivered.length} of ${lines.length} events not acknowledged by ${this.description}: ${reason}`,
      undelivered,
      { cause: failure },
    );
  }

  /** Closes the connection (pending events are rejected, never silently dropped: they were not acknowledged). */
  close(): Promise<void> {
    return this.#reset();
  }

  #connect(): FluentClient {
    const { host, port, tls } = this.#options;
    const client = new FluentClient(this.#options.tag ?? DEFAULT_FORWARD_TAG, {
      eventMode: "PackedForward",
      milliseconds: true,
      ack: { ackTimeout: this.#options.ackTimeoutMs ?? 10_000 },
      socket: { host, port, ...(tls ? { tls } : {}) },
    });
    // Without a listener, socket errors would be thrown as unhandled "error" events; write() reports them.
    client.socketOn(FluentSocketEvent.ERROR, (error: Error) => {
      log.debug("socket error: {error}", { error });
      this.#onSocketError?.(error);
    });
    return client;
  }

  async #reset(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.shutdown().catch(() => {});
  }
}

function eventTime(record: Record<string, unknown>): Date {
  const millis = typeof record.time === "string" ? Date.parse(record.time) : NaN;
  return new Date(Number.isNaN(millis) ? Date.now() : millis);
}
