/**
 * The one place where source and sink specifications (`--from`, `--to`) are parsed and opened:
 *
 * | spec | source | sink |
 * |---|---|---|
 * | `file:PATH` | Teleport file audit log (directory of `*.log` or one file) | JSON lines appended to a file |
 * | `stdin` / `stdout` | JSON lines on standard input | JSON lines on standard output |
 * | `http://HOST:PORT`, `https://HOST:PORT` | fluentd-compatible receiver | the fluentd URL to POST to |
 * | `forward://HOST[:PORT][?tag=TAG]`, `forward+tls://...` | – | Fluentd Forward protocol with acks |
 *
 * @module
 */
import { FileSource } from "./source_file.ts";
import { HttpSource } from "./source_http.ts";
import { StreamSource } from "./source_stdin.ts";
import { FileSink, StdoutSink } from "./sink_file.ts";
import { HttpSink } from "./sink_http.ts";
import type { Sink, Source } from "./types.ts";

/** The port of `forward://HOST` without a port: fluentd's default. */
export const DEFAULT_FORWARD_PORT = 24224;

/** A parsed `--from` value. */
export type SourceSpec =
  | { kind: "file"; path: string }
  | { kind: "stdin" }
  | { kind: "http"; tls: boolean; hostname: string; port: number };

/** A parsed `--to` value. */
export type SinkSpec =
  | { kind: "file"; path: string }
  | { kind: "stdout" }
  | { kind: "http"; url: string }
  | { kind: "forward"; tls: boolean; host: string; port: number; tag?: string };

/** Paths of PEM files for TLS; which ones are needed depends on the backend. */
export interface TlsFiles {
  /** Certificate (server certificate for the receiver, client certificate for sinks). */
  cert?: string;
  /** Private key matching `cert`. */
  key?: string;
  /** CA certificate(s): for the receiver, clients must present a certificate it signed (mutual TLS). */
  ca?: string;
}

/** A specification that cannot be parsed or opened; the message names the flag and its value. */
export class PipelineSpecError extends Error {
  /** Creates the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "PipelineSpecError";
  }
}

/**
 * Parses a source specification.
 *
 * @example
 * ```ts
 * import { parseSourceSpec } from "./spec.ts";
 * parseSourceSpec("file:/var/lib/teleport/log"); // { kind: "file", path: "/var/lib/teleport/log" }
 * ```
 */
export function parseSourceSpec(value: string, flag = "--from"): SourceSpec {
  if (value === "stdin" || value === "-") return { kind: "stdin" };
  if (value.startsWith("file:")) return { kind: "file", path: filePath(value, flag) };
  if (value.startsWith("http://") || value.startsWith("https://")) {
    const url = parseUrl(value, flag);
    if (url.pathname !== "/" || url.search !== "") {
      throw new PipelineSpecError(
        `${flag} ${value}: a receiver takes only HOST:PORT (the path is fluentd's tag)`,
      );
    }
    return {
      kind: "http",
      tls: url.protocol === "https:",
      hostname: unbracket(url.hostname),
      port: port(url),
    };
  }
  throw new PipelineSpecError(
    `${flag} ${value}: unknown source; expected file:PATH, stdin, http://HOST:PORT or https://HOST:PORT`,
  );
}

/**
 * Parses a sink specification.
 *
 * @example
 * ```ts
 * import { parseSinkSpec } from "./spec.ts";
 * parseSinkSpec("forward://127.0.0.1:24224?tag=teleport.audit"); // { kind: "forward", ..., tag: "teleport.audit" }
 * ```
 */
export function parseSinkSpec(value: string, flag = "--to"): SinkSpec {
  if (value === "stdout" || value === "-") return { kind: "stdout" };
  if (value.startsWith("file:")) return { kind: "file", path: filePath(value, flag) };
  if (value.startsWith("http://") || value.startsWith("https://")) {
    parseUrl(value, flag);
    return { kind: "http", url: value };
  }
  if (value.startsWith("forward://") || value.startsWith("forward+tls://")) {
    const url = parseUrl(value, flag);
    const tag = url.searchParams.get("tag") ?? undefined;
    if (tag === "") throw new PipelineSpecError(`${flag} ${value}: the tag must not be empty`);
    return {
      kind: "forward",
      tls: url.protocol === "forward+tls:",
      host: unbracket(url.hostname),
      port: port(url),
      tag,
    };
  }
  throw new PipelineSpecError(
    `${flag} ${value}: unknown sink; expected stdout, file:PATH, http(s)://HOST:PORT/PATH or forward://HOST:PORT`,
  );
}

/**
 * Parses a listen address `HOST:PORT` (e.g. the value of `--metrics`); `[::1]:9464` for IPv6.
 *
 * @example
 * ```ts
 * import { parseListenAddress } from "./spec.ts";
 * parseListenAddress("127.0.0.1:9464"); // { hostname: "127.0.0.1", port: 9464 }
 * ```
 */
export function parseListenAddress(value: string, flag = "--metrics"): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new PipelineSpecError(`${flag} ${value}: expected HOST:PORT, e.g. 127.0.0.1:9464`);
  }
  return { hostname: unbracket(match[1]), port };
}

/** Options of {@linkcode openSource}. */
export interface OpenSourceOptions {
  /** State directory for the file source's position. */
  stateDir?: string;
  /** TLS files for an `https://` receiver (`cert` and `key` required; `ca` turns on client certificates). */
  tls?: TlsFiles;
  /** File source: follow the log (default `true`). */
  follow?: boolean;
  /** File source: poll interval in milliseconds. */
  pollIntervalMs?: number;
  /** HTTP receiver: events awaiting delivery before requests are answered 503 (default 10,000). */
  maxPendingEvents?: number;
}

/** Opens the source a spec names. */
export async function openSource(
  spec: SourceSpec,
  options: OpenSourceOptions = {},
): Promise<Source<unknown>> {
  switch (spec.kind) {
    case "stdin":
      return new StreamSource();
    case "file":
      return await FileSource.open({
        path: spec.path,
        stateDir: options.stateDir,
        follow: options.follow,
        pollIntervalMs: options.pollIntervalMs,
      });
    case "http": {
      const address = {
        hostname: spec.hostname,
        port: spec.port,
        maxPendingEvents: options.maxPendingEvents,
      };
      if (!spec.tls) return await HttpSource.listen(address);
      const { cert, key, ca } = options.tls ?? {};
      if (!cert || !key) {
        throw new PipelineSpecError(`an https:// receiver needs a server certificate and key`);
      }
      return await HttpSource.listen({
        ...address,
        tls: {
          cert: (await readPem(cert, "certificate"))!,
          key: (await readPem(key, "key"))!,
          ca: await readPem(ca, "CA"),
        },
      });
    }
  }
}

/** Options of {@linkcode openSink}. */
export interface OpenSinkOptions {
  /** TLS files for HTTPS and Forward-over-TLS sinks (`ca` verifies the server; `cert`+`key` for mutual TLS). */
  tls?: TlsFiles;
  /** Forward sink tag when the spec has none. */
  tag?: string;
  /** HTTP sink: send JSON arrays of up to this many events per request (default 1, as event-handler does). */
  eventsPerRequest?: number;
  /** HTTP sink: requests in flight at once (default 8). */
  concurrency?: number;
}

/** Opens the sink a spec names. */
export async function openSink(spec: SinkSpec, options: OpenSinkOptions = {}): Promise<Sink> {
  const tls = {
    ca: await readPem(options.tls?.ca, "CA"),
    cert: await readPem(options.tls?.cert, "certificate"),
    key: await readPem(options.tls?.key, "key"),
  };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new PipelineSpecError("a client certificate and its key must be given together");
  }
  switch (spec.kind) {
    case "stdout":
      return new StdoutSink();
    case "file":
      return await FileSink.open(spec.path);
    case "http":
      return new HttpSink(spec.url, {
        tls,
        eventsPerRequest: options.eventsPerRequest,
        concurrency: options.concurrency,
      });
    case "forward": {
      // Loaded on use: the Forward client's msgpack encoder reads environment variables when it loads.
      const { ForwardSink } = await import("./sink_forward.ts");
      return new ForwardSink({
        host: spec.host,
        port: spec.port,
        tag: spec.tag ?? options.tag,
        ...(spec.tls ? { tls } : {}),
      });
    }
  }
}

function filePath(value: string, flag: string): string {
  let path = value.slice("file:".length);
  if (path.startsWith("//")) path = decodeURIComponent(new URL(value).pathname);
  if (path === "") throw new PipelineSpecError(`${flag} ${value}: the path is empty`);
  return path;
}

function parseUrl(value: string, flag: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new PipelineSpecError(`${flag} ${value}: not a valid URL`);
  }
}

/** The URL's port; when absent, the scheme's usual one (80, 443, or fluentd's Forward port 24224). */
function port(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "http:" ? 80 : url.protocol === "https:" ? 443 : DEFAULT_FORWARD_PORT;
}

function unbracket(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

async function readPem(path: string | undefined, what: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new PipelineSpecError(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
  }
}
