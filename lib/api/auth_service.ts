/**
 * Teleport's auth service as this framework calls it: `proto.AuthService` from the bundled
 * `teleport/legacy/client/proto/authservice.proto`, turned into a gRPC service definition that carries
 * messages as raw bytes. Clients and test servers share it, so both follow the `.proto` file's paths.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type protobuf from "protobufjs";
import { chainSources, loadProtoRoot, memorySource } from "../proto/loader.ts";
import { bundledProtoSource } from "../proto/schema.ts";
import authServiceProto from "../../proto/teleport/legacy/client/proto/authservice.proto" with {
  type: "text",
};

/** Full name of Teleport's auth service. */
export const AUTH_SERVICE_NAME = "proto.AuthService";

/**
 * A gRPC method whose request and response are protobuf bytes, encoded and decoded by the caller: the shape
 * of grpc-js's `MethodDefinition<Uint8Array, Uint8Array>`, so clients and servers take it as is.
 */
export interface RawMethodDefinition {
  /** `/<package>.<Service>/<Method>`, e.g. `/proto.AuthService/UpsertLock`. */
  path: string;
  /** Whether the client sends a stream of requests. */
  requestStream: boolean;
  /** Whether the server answers with a stream of responses. */
  responseStream: boolean;
  /** Request bytes to the buffer grpc-js sends. */
  requestSerialize: (bytes: Uint8Array) => Buffer;
  /** Received request buffer to bytes. */
  requestDeserialize: (buffer: Buffer) => Uint8Array;
  /** Response bytes to the buffer grpc-js sends. */
  responseSerialize: (bytes: Uint8Array) => Buffer;
  /** Received response buffer to bytes. */
  responseDeserialize: (buffer: Buffer) => Uint8Array;
  /** The method's name in the `.proto` file. */
  originalName?: string;
}

/** `proto.AuthService`'s methods by name, e.g. `UpsertLock` with path `/proto.AuthService/UpsertLock`. */
export type AuthServiceDefinition = Record<string, RawMethodDefinition>;

/** Parses the bundled `authservice.proto` (and the bundled files it imports) and returns the service. */
export function loadAuthService(): protobuf.Service {
  const entry = "teleport/legacy/client/proto/authservice.proto";
  const { root } = loadProtoRoot(
    [entry],
    chainSources(memorySource({ [entry]: authServiceProto }, "authservice.proto"), bundledProtoSource()),
  );
  return root.lookupService(AUTH_SERVICE_NAME);
}

/**
 * The gRPC definition of every method of `service` (default: the bundled `proto.AuthService`), passing
 * messages as raw bytes.
 *
 * @example
 * ```ts
 * import { authServiceDefinition } from "./auth_service.ts";
 * authServiceDefinition().UpsertLock.path; // "/proto.AuthService/UpsertLock"
 * ```
 */
export function authServiceDefinition(service: protobuf.Service = loadAuthService()): AuthServiceDefinition {
  const serviceName = service.fullName.replace(/^\./, "");
  const definition: AuthServiceDefinition = {};
  for (const method of service.methodsArray) {
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: Boolean(method.requestStream),
      responseStream: Boolean(method.responseStream),
      requestSerialize: toBuffer,
      requestDeserialize: toBytes,
      responseSerialize: toBuffer,
      responseDeserialize: toBytes,
      originalName: method.name,
    };
  }
  return definition;
}

/** grpc-js wants Node Buffers; this is a view, not a copy. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain, owned Uint8Array: callers may keep it after grpc-js reuses its buffers. */
function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}
