/**
 * The one place where a Teleport client spec (`--api`) is parsed and opened:
 *
 * - `record`: keep locks in memory for `getLatestAPIRequest` (default for `test`)
 * - `dry-run:PATH`: log each lock and append it to PATH as a JSON line
 * - `teleport:HOST:PORT`: call the auth server at HOST:PORT over mutual TLS; needs an identity file
 *   (`--identity FILE`, made by `tctl auth sign --format=file`)
 *
 * @module
 */
import type { TeleportClient } from "./types.ts";
import { RecordingTeleportClient } from "./record.ts";
import { DryRunTeleportClient } from "./dry_run.ts";
import { readIdentityFile } from "./identity.ts";
import type { ProtoCodec } from "../proto/codec.ts";

/** A parsed Teleport client spec. */
export type TeleportClientSpec =
  | { kind: "record" }
  | { kind: "dry-run"; path: string }
  | { kind: "teleport"; address: string };

/** The forms a spec can take, for help texts and error hints. */
export const TELEPORT_CLIENT_SPEC_FORMS = "record, dry-run:PATH or teleport:HOST:PORT";

/** Thrown for a spec that cannot be read or lacks what it needs; the message quotes the spec. */
export class TeleportClientSpecError extends Error {
  /** Builds the error for `spec` (shown with its password hidden) and the reason it was refused. */
  constructor(spec: string, reason: string) {
    super(`invalid Teleport API '${spec}': ${reason}`);
    this.name = "TeleportClientSpecError";
  }
}

/**
 * Parses a Teleport client spec.
 *
 * @example
 * ```ts
 * import { parseTeleportClientSpec } from "./open.ts";
 * parseTeleportClientSpec("teleport:auth.example.com:3025"); // { kind: "teleport", address: "auth.example.com:3025" }
 * ```
 */
export function parseTeleportClientSpec(spec: string): TeleportClientSpec {
  if (spec === "record") return { kind: "record" };
  if (spec.startsWith("dry-run:")) {
    const path = spec.slice("dry-run:".length);
    if (path === "") throw new TeleportClientSpecError(spec, "the output file is missing (dry-run:PATH)");
    return { kind: "dry-run", path };
  }
  if (spec.startsWith("teleport:")) {
    const address = spec.slice("teleport:".length);
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]\s]+):(\d+)$/.exec(address);
    if (match === null) {
      throw new TeleportClientSpecError(
        spec,
        "expected teleport:HOST:PORT, e.g. teleport:auth.example.com:3025",
      );
    }
    const port = Number(match[2]);
    if (port < 1 || port > 65535) throw new TeleportClientSpecError(spec, `port ${match[2]} is out of range`);
    return { kind: "teleport", address };
  }
  throw new TeleportClientSpecError(spec, `expected ${TELEPORT_CLIENT_SPEC_FORMS}`);
}

/** Options for {@linkcode openTeleportClient}; the teleport backend uses all, the others `codec`/`now`. */
export interface OpenTeleportClientOptions {
  /** Identity file from `tctl auth sign --format=file`; required for `teleport:HOST:PORT`. */
  identityFile?: string;
  /** TLS server name to verify; default `teleport.cluster.local`, which Teleport puts on its certificates. */
  serverName?: string;
  /** Deadline of each attempt in milliseconds (teleport backend). Default 10,000. */
  timeoutMs?: number;
  /** Retries after UNAVAILABLE or DEADLINE_EXCEEDED (teleport backend). Default 3. */
  retries?: number;
  /** The codec that decodes locks. Default: the shared bundled codec. */
  codec?: ProtoCodec;
  /** The clock for "Expires is in the future", in milliseconds since the epoch. */
  now?: () => number;
}

/**
 * Parses `spec` (unless already parsed) and opens the client it names.
 *
 * @example
 * ```ts
 * import { openTeleportClient } from "./open.ts";
 * const api = await openTeleportClient("teleport:auth.example.com:3025", { identityFile: "./identity" });
 * await api.close();
 * ```
 */
export async function openTeleportClient(
  spec: string | TeleportClientSpec,
  options: OpenTeleportClientOptions = {},
): Promise<TeleportClient> {
  const parsed = typeof spec === "string" ? parseTeleportClientSpec(spec) : spec;
  const { codec, now } = options;
  switch (parsed.kind) {
    case "record":
      return new RecordingTeleportClient({ codec, now });
    case "dry-run":
      return await DryRunTeleportClient.open(parsed.path, { codec, now });
    case "teleport": {
      if (options.identityFile === undefined) {
        throw new TeleportClientSpecError(
          `teleport:${parsed.address}`,
          "an identity file is required (--identity FILE, made by `tctl auth sign --format=file`)",
        );
      }
      // Loaded on use: @grpc/grpc-js reads its GRPC_* environment variables when imported, which would make
      // every run need --allow-env.
      const { TeleportGrpcClient } = await import("./grpc.ts");
      return new TeleportGrpcClient({
        address: parsed.address,
        identity: await readIdentityFile(options.identityFile),
        serverName: options.serverName,
        timeoutMs: options.timeoutMs,
        retries: options.retries,
        codec,
        now,
      });
    }
  }
}
