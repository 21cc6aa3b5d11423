/**
 * The `http://HOST:PORT` / `https://HOST:PORT` source: a fluentd-compatible HTTP receiver, so a stock Teleport
 * event-handler can post to it unchanged. Each request carries one JSON event (or a JSON array of events, as
 * fluentd's `in_http` also accepts); the URL path (fluentd's tag) is ignored. A request is answered 200 only
 * once all its events were delivered by the sink, 503 when they cannot be (queue full, shutting down), so the
 * client retries. With HTTPS, client certificates can be required (mutual TLS); `node:https` is used because
 * `Deno.serve` cannot ask for client certificates.
 *
 * @module
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { logger } from "../log.ts";
import type { Source, SourceRecord } from "./types.ts";

const log = logger("pipeline", "http-source");

/** A position in the receiver: the sequence number of an event among all events received. */
export interface RequestPosition {
  /** 1-based event sequence number. */
  readonly event: number;
}

/** TLS material (PEM text) for the receiver. */
export interface HttpSourceTls {
  /** Server certificate chain. */
  cert: string;
  /** Server private key. */
  key: string;
  /** CA certificates; when given, clients must present a certificate signed by one of them. */
  ca?: string;
}

/** Options of {@linkcode HttpSource.listen}. */
export interface HttpSourceOptions {
  /** Interface to listen on, e.g. `127.0.0.1`. */
  hostname: string;
  /** Port; 0 picks a free one (see {@linkcode HttpSource.port}). */
  port: number;
  /** Serve HTTPS with this material. */
  tls?: HttpSourceTls;
  /** Events received but not yet delivered before new requests are answered 503. Default 10,000. */
  maxPendingEvents?: number;
  /** Largest accepted request body in bytes (413 above). Default 16 MiB. */
  maxBodyBytes?: number;
}

interface PendingRequest {
  lastEvent: number;
  respond: (status: number, text: string) => void;
}

/**
 * Receives events over HTTP(S).
 *
 * @example
 * ```ts
 * import { HttpSource } from "./source_http.ts";
 * const source = await HttpSource.listen({ hostname: "127.0.0.1", port: 0 });
 * console.log(`POST events to http://127.0.0.1:${source.port}/events.log`);
 * await source.close();
 * ```
 */
export class HttpSource implements Source<RequestPosition> {
  readonly #server: http.Server;
  readonly #scheme: string;
  readonly #hostname: string;
  readonly #maxPending: number;
  readonly #maxBody: number;
  #queued: SourceRecord<RequestPosition>[] = [];
  readonly #pending: PendingRequest[] = [];
  #sequence = 0;
  #acked = 0;
  #accepting = true;
  #wakeReader: (() => void) | undefined;

  private constructor(server: http.Server, options: HttpSourceOptions) {
    this.#server = server;
    this.#maxPending = options.maxPendingEvents ?? 10_000;
    this.#maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.#scheme = options.tls ? "https" : "http";
    this.#hostname = options.hostname;
  }

  /** Starts listening. */
  static async listen(options: HttpSourceOptions): Promise<HttpSource> {
    const tls = options.tls;
    const server = tls
      ? https.createServer({
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
      })
      : http.createServer();
    const source = new HttpSource(server, options);
    server.on("request", (request, response) => source.#handle(request, response));
    server.on("tlsClientError", (error: Error) => log.warn("TLS handshake failed: {error}", { error }));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.hostname, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return source;
  }

  /** `http(s)://HOST:PORT` with the port actually listened on. */
  get description(): string {
    return `${this.#scheme}://${this.#hostname}:${this.port}`;
  }

  /** The port actually listened on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Chunks of received events, as soon as they arrive; ends when `signal` aborts. */
  async *records(signal: AbortSignal): AsyncGenerator<readonly SourceRecord<RequestPosition>[]> {
    const wake = () => this.#wakeReader?.();
    signal.addEventListener("abort", wake, { once: true });
    try {
      while (!signal.aborted) {
        if (this.#queued.length === 0) {
          await new Promise<void>((resolve) => this.#wakeReader = resolve);
          this.#wakeReader = undefined;
          continue;
        }
        const chunk = this.#queued;
        this.#queued = [];
        yield chunk;
      }
    } finally {
      signal.removeEventListener("abort", wake);
      this.#accepting = false;
    }
  }

  /** Answers 200 to every request whose events are all at or before `position`. */
  ack(position: RequestPosition): Promise<void> {
    this.#acked = Math.max(this.#acked, position.event);
    while (this.#pending.length > 0 && this.#pending[0].lastEvent <= this.#acked) {
      this.#pending.shift()!.respond(200, "");
    }
    return Promise.resolve();
  }

  /** Answers 503 to every request not delivered yet and stops the server. */
  async close(): Promise<void> {
    this.#accepting = false;
    for (const request of this.#pending.splice(0)) request.respond(503, "shutting down before delivery\n");
    this.#queued = [];
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
  }

  /** Events received and not yet acknowledged. */
  get pendingEvents(): number {
    return this.#sequence - this.#acked;
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const respond = (status: number, text: string) => {
      if (response.writableEnded) return;
      response.writeHead(status, {
        "content-type": "text/plain",
        ...(status === 503 ? { "retry-after": "1" } : {}),
      });
      response.end(text);
    };
    if (request.method !== "POST") return respond(405, "only POST is accepted\n");
    const chunks: Uint8Array[] = [];
    let size = 0;
    request.on("data", (chunk: Uint8Array) => {
      size += chunk.length;
      if (size <= this.#maxBody) chunks.push(chunk);
    });
    request.on("end", () => {
      if (size > this.#maxBody) return respond(413, `request body above ${this.#maxBody} bytes\n`);
      const body = new TextDecoder().decode(concat(chunks, size));
      const lines = eventLines(body);
      if (lines.length === 0) return respond(200, "");
      if (!this.#accepting || this.pendingEvents + lines.length > this.#maxPending) {
        return respond(503, this.#accepting ? "too many events pending delivery\n" : "shutting down\n");
      }
      for (const line of lines) this.#queued.push({ line, position: { event: ++this.#sequence } });
      this.#pending.push({ lastEvent: this.#sequence, respond });
      this.#wakeReader?.();
    });
  }
}

/**
 * The event lines in a request body: one object, or each element of an array. Bodies that are not JSON are
 * passed on as they are, so the pipeline reports them as malformed input (logged and dead-lettered).
 */
function eventLines(body: string): string[] {
  const text = body.trim();
  if (text === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [text.replaceAll("\n", " ")];
  }
  if (Array.isArray(value)) return value.map((element) => JSON.stringify(element));
  // Keep the sender's bytes unless they span lines (the sinks write one event per line).
  return [text.includes("\n") ? JSON.stringify(value) : text];
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
