/**
 * The real Teleport client against a real gRPC server with mutual TLS, both built from the framework's
 * `proto.AuthService` definition, with certificates generated for the test.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { TeleportApiError, TeleportGrpcClient } from "../lib/api/grpc.ts";
import { readIdentityFile } from "../lib/api/identity.ts";
import { InvalidLockError } from "../lib/api/lock.ts";
import { openTeleportClient } from "../lib/api/open.ts";
import { authServiceDefinition } from "../lib/api/auth_service.ts";
import { bundledCodec } from "../lib/proto/codec.ts";
import { createTestCertificates, type TestCertificates } from "./helpers/certs.ts";
import { startFakeAuthServer, writeIdentityFile } from "./helpers/auth_server.ts";

const codec = bundledCodec();
const lockBytes = codec.encodeLock({
  Kind: "lock",
  Version: "v2",
  Metadata: { Name: "too-many-logins-alice" },
  Spec: {
    Target: { User: "alice" },
    Message: "Suspicious login activity",
    Expires: { seconds: 4102444800n, nanos: 0 },
  },
});

async function clientFor(
  certs: TestCertificates,
  address: string,
  options: { foreign?: boolean; timeoutMs?: number; retries?: number } = {},
): Promise<TeleportGrpcClient> {
  const identityFile = `${certs.dir}/identity-${crypto.randomUUID()}`;
  if (options.foreign) {
    await writeIdentityFile(identityFile, certs.foreignClientKey, certs.foreignClientCert, certs.caCert);
  } else {
    await writeIdentityFile(identityFile, certs.clientKey, certs.clientCert, certs.caCert);
  }
  return new TeleportGrpcClient({
    address,
    identity: await readIdentityFile(identityFile),
    serverName: "localhost",
    timeoutMs: options.timeoutMs ?? 5_000,
    retries: options.retries ?? 2,
    retryDelayMs: 10,
    codec,
  });
}

Deno.test("upsertLock sends the plugin's bytes unchanged to /proto.AuthService/UpsertLock", async () => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs);
  const api = await clientFor(certs, server.address);
  try {
    // Unknown fields (here number 99) survive: the request is the plugin's bytes, not a re-encoding.
    const withUnknownField = new Uint8Array([...lockBytes, 0x9a, 0x06, 0x02, 0x68, 0x69]);
    await api.upsertLock(lockBytes);
    await api.upsertLock(withUnknownField);
    assert.deepEqual(server.received, [lockBytes, withUnknownField]);
    assert.equal(codec.decodeLock(server.received[0]).Spec.Target.User, "alice");
  } finally {
    await api.close();
  }
});

Deno.test("openTeleportClient connects with an identity file", async () => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs);
  const identityFile = `${certs.dir}/identity`;
  await writeIdentityFile(identityFile, certs.clientKey, certs.clientCert, certs.caCert);
  const api = await openTeleportClient(`teleport:${server.address}`, {
    identityFile,
    serverName: "localhost",
  });
  try {
    await api.upsertLock(lockBytes);
    assert.equal(server.received.length, 1);
  } finally {
    await api.close();
  }
});

Deno.test("the server requires a client certificate from its CA", async (t) => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs);

  await t.step("a client without a certificate is refused", async () => {
    const bare = new grpc.Client(
      server.address,
      grpc.credentials.createSsl(Buffer.from(await Deno.readFile(certs.caCert))),
      { "grpc.ssl_target_name_override": "localhost" },
    );
    try {
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        bare.makeUnaryRequest(
          authServiceDefinition().UpsertLock.path,
          (bytes: Uint8Array) => Buffer.from(bytes),
          (bytes: Buffer) => bytes,
          lockBytes,
          { deadline: Date.now() + 5_000 },
          (error) => resolve(error),
        )
      );
      assert.equal(error?.code, grpc.status.UNAVAILABLE);
    } finally {
      bare.close();
    }
  });

  await t.step(
    "a client with a certificate from a foreign CA is refused, with the status in the error",
    async () => {
      const api = await clientFor(certs, server.address, { foreign: true, retries: 1 });
      try {
        await assert.rejects(api.upsertLock(lockBytes), (error: TeleportApiError) => {
          assert.ok(error instanceof TeleportApiError);
          assert.equal(error.status, "UNAVAILABLE");
          assert.equal(error.attempts, 2);
          assert.match(
            error.message,
            new RegExp(`^teleport UpsertLock at ${server.address} failed: UNAVAILABLE: `),
          );
          return true;
        });
      } finally {
        await api.close();
      }
    },
  );

  assert.equal(server.received.length, 0);
});

Deno.test("the client refuses a server whose certificate lacks the expected name", async () => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs);
  const identityFile = `${certs.dir}/identity`;
  await writeIdentityFile(identityFile, certs.clientKey, certs.clientCert, certs.caCert);
  // Default server name teleport.cluster.local: the test server's certificate only names localhost.
  const api = await openTeleportClient(`teleport:${server.address}`, { identityFile, retries: 0 });
  try {
    await assert.rejects(api.upsertLock(lockBytes), { name: "TeleportApiError", status: "UNAVAILABLE" });
    assert.equal(server.received.length, 0);
  } finally {
    await api.close();
  }
});

Deno.test("a server error such as PERMISSION_DENIED fails at once, naming the status and details", async () => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs, [
    { code: grpc.status.PERMISSION_DENIED, details: 'access denied to perform action "create" on "lock"' },
  ]);
  const api = await clientFor(certs, server.address, { retries: 3 });
  try {
    await assert.rejects(api.upsertLock(lockBytes), {
      name: "TeleportApiError",
      code: grpc.status.PERMISSION_DENIED,
      message: `teleport UpsertLock at ${server.address} failed: PERMISSION_DENIED: ` +
        'access denied to perform action "create" on "lock" (1 attempt)',
    });
    assert.equal(server.received.length, 1);
  } finally {
    await api.close();
  }
});

Deno.test("UNAVAILABLE is retried with backoff until the server accepts", async () => {
  await using certs = await createTestCertificates();
  const unavailable = { code: grpc.status.UNAVAILABLE, details: "auth server is restarting" };
  await using server = await startFakeAuthServer(certs, [unavailable, unavailable]);
  const api = await clientFor(certs, server.address, { retries: 2 });
  try {
    await api.upsertLock(lockBytes);
    assert.equal(server.received.length, 3);
  } finally {
    await api.close();
  }
});

Deno.test("a server that never answers fails with DEADLINE_EXCEEDED after the retries", async () => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs, ["hang", "hang"]);
  const api = await clientFor(certs, server.address, { timeoutMs: 300, retries: 1 });
  try {
    await assert.rejects(api.upsertLock(lockBytes), (error: TeleportApiError) => {
      assert.equal(error.status, "DEADLINE_EXCEEDED");
      assert.equal(error.attempts, 2);
      assert.match(error.message, /failed: DEADLINE_EXCEEDED: .* \(2 attempts\)$/);
      return true;
    });
    assert.equal(server.received.length, 2);
  } finally {
    await api.close();
  }
});

Deno.test("an invalid lock is rejected before anything is sent", async () => {
  await using certs = await createTestCertificates();
  await using server = await startFakeAuthServer(certs);
  const api = await clientFor(certs, server.address);
  try {
    const noTarget = codec.encodeLock({
      Kind: "lock",
      Version: "v2",
      Metadata: { Name: "x" },
      Spec: { Target: {} },
    });
    await assert.rejects(api.upsertLock(noTarget), InvalidLockError);
    await assert.rejects(api.upsertLock(new Uint8Array([0xff, 0xff])), InvalidLockError);
    assert.equal(server.received.length, 0);
  } finally {
    await api.close();
  }
});

Deno.test("bad client options are refused before any connection is made", async () => {
  await using certs = await createTestCertificates();
  const identityFile = `${certs.dir}/identity`;
  await writeIdentityFile(identityFile, certs.clientKey, certs.clientCert, certs.caCert);
  const identity = await readIdentityFile(identityFile);
  assert.throws(() => new TeleportGrpcClient({ address: "127.0.0.1:1", identity, timeoutMs: 0 }), {
    name: "RangeError",
    message: "Teleport gRPC client: timeoutMs must be a whole number >= 1, got 0",
  });
  assert.throws(() => new TeleportGrpcClient({ address: "127.0.0.1:1", identity, retries: -1 }), {
    message: "Teleport gRPC client: retries must be a whole number >= 0, got -1",
  });
});
