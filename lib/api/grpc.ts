/**
 * The real Teleport client: calls the auth server's `proto.AuthService/UpsertLock` over gRPC with mutual
 * TLS, authenticated by an identity file from `tctl auth sign --format=file`.
 *
 * The plugin already sends an encoded `types.LockV2`; after validation those exact bytes are the request
 * (no decode/encode round trip that could drop fields this schema does not know). Each attempt has a
 * deadline; UNAVAILABLE and DEADLINE_EXCEEDED are retried with exponential backoff, every other status fails
 * at once. Failures reject with {@linkcode TeleportApiError}, which names the status.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import type { TeleportClient } from "./types.ts";
import { checkLockRequest } from "./lock.ts";
import { authServiceDefinition, type RawMethodDefinition } from "./auth_service.ts";
import type { TeleportIdentity } from "./identity.ts";
import { bundledCodec, type ProtoCodec } from "../proto/codec.ts";
import { logger } from "../log.ts";

/** The name on every Teleport-issued server certificate, used as TLS server name by Teleport's own clients. */
export const TELEPORT_API_DOMAIN = "teleport.cluster.local";

/** Options for {@linkcode TeleportGrpcClient}. */
export interface TeleportGrpcClientOptions {
  /** The auth server's `HOST:PORT` (e.g. `auth.example.com:3025`). */
  address: string;
  /** Client key, certificate and trusted CAs, from {@linkcode readIdentityFile}. */
  identity: TeleportIdentity;
  /** The name the server certificate must carry. Default {@linkcode TELEPORT_API_DOMAIN}. */
  serverName?: string;
  /** Deadline of each attempt in milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Further attempts after an UNAVAILABLE or DEADLINE_EXCEEDED failure. Default 3. */
  retries?: number;
  /** Pause before the first retry in milliseconds; doubles each time, up to 5 s, with jitter. Default 250. */
  retryDelayMs?: number;
  /** The codec that decodes locks. Default: the shared bundled codec. */
  codec?: ProtoCodec;
  /** The clock for "Expires is in the future", in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** A failed Teleport API call: the gRPC status and how many attempts were made. */
export class TeleportApiError extends Error {
  /** The gRPC status code, e.g. 7 for PERMISSION_DENIED. */
  readonly code: number;
  /** The status name, e.g. `PERMISSION_DENIED`. */
  readonly status: string;
  /** Attempts made before giving up. */
  readonly attempts: number;

  /** Builds the error of `method` on `address` from the gRPC status after `attempts` attempts. */
  constructor(method: string, address: string, code: number, details: string, attempts: number) {
    const status = grpc.status[code] ?? `status ${code}`;
    const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
    super(`teleport ${method} at ${address} failed: ${status}: ${details} (${tries})`);
    this.name = "TeleportApiError";
    this.code = code;
    this.status = status;
    this.attempts = attempts;
  }
}

const RETRYABLE = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
const MAX_RETRY_DELAY_MS = 5_000;
const log = logger("api", "teleport");

/**
 * Calls Teleport's auth server.
 *
 * @example
 * ```ts
 * import { readIdentityFile } from "./identity.ts";
 * import { TeleportGrpcClient } from "./grpc.ts";
 * const api = new TeleportGrpcClient({
 *   address: "auth.example.com:3025",
 *   identity: await readIdentityFile("/etc/teleport-plugin/identity"),
 * });
 * // ... run plugins with `api` ...
 * await api.close();
 * ```
 */
export class TeleportGrpcClient implements TeleportClient {
  readonly #client: grpc.Client;
  readonly #address: string;
  /** The caller's codec; the shared bundled one (whose schema is parsed on first use) when undefined. */
  readonly #codec: ProtoCodec | undefined;
  readonly #upsertLock: RawMethodDefinition;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  /** Aborted by close(): pending backoff pauses end at once. */
  readonly #closing = new AbortController();

  /** Creates a client; the connection is opened on the first call. */
  constructor(options: TeleportGrpcClientOptions) {
    // Checked before the channel exists, so a bad option leaves nothing open.
    this.#timeoutMs = wholeNumber("timeoutMs", options.timeoutMs ?? 10_000, 1);
    this.#retries = wholeNumber("retries", options.retries ?? 3, 0);
    this.#retryDelayMs = wholeNumber("retryDelayMs", options.retryDelayMs ?? 250, 0);
    const { identity } = options;
    const serverName = options.serverName ?? TELEPORT_API_DOMAIN;
    // grpc-js needs Node Buffers; Deno rejects an IP address as TLS server name, hence the override.
    const credentials = grpc.credentials.createSsl(
      Buffer.from(identity.tlsCaPems.join("")),
      Buffer.from(identity.privateKeyPem),
      Buffer.from(identity.tlsCertificatePem),
    );
    this.#client = new grpc.Client(options.address, credentials, {
      "grpc.ssl_target_name_override": serverName,
      "grpc.default_authority": serverName,
    });
    this.#address = options.address;
    this.#codec = options.codec;
    this.#upsertLock = authServiceDefinition().UpsertLock;
    this.#now = options.now ?? Date.now;
  }

  /** Validates the lock and sends it to `UpsertLock`; resolves when Teleport accepted it. */
  async upsertLock(bytes: Uint8Array): Promise<void> {
    const lock = checkLockRequest(this.#codec ?? bundledCodec(), bytes, this.#now());
    await this.#unaryWithRetries(this.#upsertLock, bytes);
    log.info("upserted lock {name} at {address}", { name: lock.Metadata.Name, address: this.#address });
  }

  /** Closes the channel; a call waiting to retry rejects. */
  close(): Promise<void> {
    this.#closing.abort();
    this.#client.close();
    return Promise.resolve();
  }

  async #unaryWithRetries(method: RawMethodDefinition, request: Uint8Array): Promise<Uint8Array> {
    const name = method.originalName ?? method.path;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#unary(method, request);
      } catch (error) {
        const { code, details } = statusOf(error);
        // Retrying is safe: UpsertLock replaces the lock of the same name, so a repeat changes nothing.
        if (!RETRYABLE.has(code) || attempt > this.#retries || this.#closing.signal.aborted) {
          throw new TeleportApiError(name, this.#address, code, details, attempt);
        }
        const delay = Math.min(this.#retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS) *
          (0.5 + Math.random() / 2);
        log.warn("{method} at {address}: {status}, retry {attempt} of {retries} in {delay} ms", {
          method: name,
          address: this.#address,
          status: grpc.status[code],
          attempt,
          retries: this.#retries,
          delay: Math.round(delay),
        });
        if (!await pause(delay, this.#closing.signal)) {
          throw new TeleportApiError(name, this.#address, code, `${details}; client closed`, attempt);
        }
      }
    }
  }

  #unary(method: RawMethodDefinition, request: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + this.#timeoutMs },
        (error, response) => error ? reject(error) : resolve(response ?? new Uint8Array()),
      );
    });
  }
}

function wholeNumber(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Teleport gRPC client: ${option} must be a whole number >= ${min}, got ${value}`);
  }
  return value;
}

function statusOf(error: unknown): { code: number; details: string } {
  const { code, details, message } = error as Partial<grpc.ServiceError>;
  return {
    code: typeof code === "number" ? code : grpc.status.UNKNOWN,
    details: details || message || String(error),
  };
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
