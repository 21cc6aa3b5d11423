/**
 * A stand-in for Teleport's auth server in tests: a real gRPC server with mutual TLS, serving
 * `proto.AuthService` from the framework's own service definition, with a scripted UpsertLock.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { authServiceDefinition, loadAuthService } from "../../lib/api/auth_service.ts";
import type { TestCertificates } from "./certs.ts";

/** What the scripted UpsertLock does with one call: answer OK, fail with a status, or never answer. */
export type UpsertLockReply = "ok" | "hang" | { code: grpc.status; details: string };

/** A running fake auth server. */
export interface FakeAuthServer extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  address: string;
  /** Request bytes of every UpsertLock call received, in order. */
  received: Uint8Array[];
  /** Stops the server, cancelling calls still open. */
  stop(): Promise<void>;
}

/**
 * Starts the server on a free loopback port. `replies` scripts the calls in order; once it runs out, calls
 * are answered OK. The server only accepts clients with a certificate signed by `certs.caCert`.
 */
export async function startFakeAuthServer(
  certs: TestCertificates,
  replies: UpsertLockReply[] = [],
): Promise<FakeAuthServer> {
  const service = loadAuthService();
  const emptyResponse = service.methods.UpsertLock.resolvedResponseType!.encode({}).finish();
  const received: Uint8Array[] = [];
  const server = new grpc.Server();
  server.addService(authServiceDefinition(service), {
    UpsertLock(
      call: grpc.ServerUnaryCall<Uint8Array, Uint8Array>,
      callback: grpc.sendUnaryData<Uint8Array>,
    ) {
      received.push(call.request);
      const reply = replies.shift() ?? "ok";
      if (reply === "ok") callback(null, emptyResponse);
      else if (reply !== "hang") callback({ code: reply.code, details: reply.details });
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(await Deno.readFile(certs.caCert)),
    [{
      private_key: Buffer.from(await Deno.readFile(certs.serverKey)),
      cert_chain: Buffer.from(await Deno.readFile(certs.serverCert)),
    }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, port) => error ? reject(error) : resolve(port))
  );
  const stop = () => {
    server.forceShutdown();
    return Promise.resolve();
  };
  return { address: `127.0.0.1:${port}`, received, stop, [Symbol.asyncDispose]: stop };
}

/**
 * Writes an identity file in `tctl auth sign --format=file` layout from a key and certificate: key, SSH
 * certificate line, TLS certificate, SSH CA line, TLS CA certificate.
 */
export async function writeIdentityFile(
  path: string,
  keyFile: string,
  certFile: string,
  caFile: string,
): Promise<void> {
  const [key, cert, ca] = await Promise.all(
    [keyFile, certFile, caFile].map((file) => Deno.readTextFile(file)),
  );
  await Deno.writeTextFile(
    path,
    key +
      "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29t\n" +
      cert +
      "@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB clusterName=example.com&type=host\n" +
      ca,
  );
}
