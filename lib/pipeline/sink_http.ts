/**
 * The fluentd HTTP(S) sink: POSTs events the way Teleport's event-handler does (one JSON object per request,
 * `Content-Type: application/json`, success only on a 2xx answer), with optional mutual TLS. Requests of a
 * batch run concurrently; `arrays` mode sends a batch as JSON arrays instead, which fluentd's `in_http` also
 * accepts and which saves a round trip per event.
 *
 * @module
 */
import type { Sink } from "./types.ts";
import { PartialWriteError } from "./types.ts";
import { errorMessage } from "../error_message.ts";

/** TLS material (PEM text) for the HTTP sink. */
export interface HttpSinkTls {
  /** CA certificates that sign the server's certificate (default: the system's roots). */
  ca?: string;
  /** Client certificate for mutual TLS (together with `key`). */
  cert?: string;
  /** Client private key (together with `cert`). */
  key?: string;
}

/** Options of {@linkcode HttpSink}. */
export interface HttpSinkOptions {
  /** TLS settings for `https://` URLs. */
  tls?: HttpSinkTls;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Per-request timeout in milliseconds. Default 30,000 (as event-handler). */
  timeoutMs?: number;
  /** Send JSON arrays of up to this many events per request instead of one event per request. */
  eventsPerRequest?: number;
}

/**
 * Delivers events to a fluentd HTTP input.
 *
 * @example
 * ```ts
 * import { HttpSink } from "./sink_http.ts";
 * const sink = new HttpSink("https://fluentd.example:8888/events.log", { eventsPerRequest: 100 });
 * await sink.close();
 * ```
 */
export class HttpSink implements Sink {
  readonly description: string;
  readonly #url: string;
  readonly #client: Deno.HttpClient | undefined;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #eventsPerRequest: number;

  /**
   * Prepares the sink (and its HTTP client when TLS material is given); nothing is sent yet.
   *
   * @param url The URL to POST to (its path is fluentd's tag).
   */
  constructor(url: string, options: HttpSinkOptions = {}) {
    const tls = options.tls;
    if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
      throw new Error(`HTTP sink ${url}: a client certificate and key must be given together`);
    }
    this.description = url;
    this.#url = url;
    this.#client = tls && (tls.ca || tls.cert)
      ? Deno.createHttpClient({
        ...(tls.ca ? { caCerts: [tls.ca] } : {}),
        ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      })
      : undefined;
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#eventsPerRequest = Math.max(1, options.eventsPerRequest ?? 1);
  }

  /** POSTs every line; rejects with {@linkcode PartialWriteError} listing the lines that failed. */
  async write(lines: readonly string[]): Promise<void> {
    const groups: (readonly string[])[] = [];
    for (let i = 0; i < lines.length; i += this.#eventsPerRequest) {
      groups.push(lines.slice(i, i + this.#eventsPerRequest));
    }
    const failed: string[] = [];
    let firstError: unknown;
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const group = groups[next++];
        try {
          await this.#post(
            group.length === 1 && this.#eventsPerRequest === 1 ? group[0] : `[${group.join(",")}]`,
          );
        } catch (error) {
          firstError ??= error;
          failed.push(...group);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, groups.length) }, worker));
    if (failed.length > 0) {
      const reason = errorMessage(firstError);
      throw new PartialWriteError(
        `${failed.length} of ${lines.length} events not accepted by ${this.#url}: ${reason}`,
        failed,
        { cause: firstError },
      );
    }
  }

  /** Closes the HTTP client. */
  close(): Promise<void> {
    this.#client?.close();
    return Promise.resolve();
  }

  async #post(body: string): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    try {
      const response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: controller.signal,
        ...(this.#client ? { client: this.#client } : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status} ${text.trim().slice(0, 200)}`.trim());
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
