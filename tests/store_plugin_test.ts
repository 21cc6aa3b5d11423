/**
 * Token stores and the Teleport API as a plugin sees them: a real AssemblyScript plugin in the worker pool,
 * calling `store.takeToken` and `api.upsertLock` through the Store and TeleportApi traits.
 */
import assert from "node:assert/strict";
import { compileAssemblyScript } from "../lib/asc/compiler.ts";
import { ExecutionContextPool } from "../lib/pool/pool.ts";
import { openTokenStore } from "../lib/store/open.ts";
import type { TokenStore } from "../lib/store/types.ts";
import { RecordingTeleportClient } from "../lib/api/record.ts";
import { bundledCodec } from "../lib/proto/codec.ts";
import { AssemblyScriptEnv, PluginExports, Store, TeleportApi } from "../traits/mod.ts";
import { startRedisServer } from "./helpers/redis.ts";

/** Locks a user after more than 3 failed logins within 5 minutes; the host hands it the encoded lock. */
const PLUGIN = `
@external("store", "takeToken") declare function takeToken(scope: string, ttl: i32): i32;
@external("api", "upsertLock") declare function upsertLock(lock: ArrayBuffer): void;

export function failedLogin(user: string, lock: ArrayBuffer): i32 {
  const count = takeToken("failed-login/" + user, 300);
  if (count > 3) upsertLock(lock);
  return count;
}

export function take(scope: string, ttl: i32): i32 {
  return takeToken(scope, ttl);
}
`;

const codec = bundledCodec();
const lockFor = (user: string) =>
  codec.encodeLock({
    Kind: "lock",
    Version: "v2",
    Metadata: { Name: `failed-logins-${user}` },
    Spec: { Target: { User: user }, Message: "Suspicious login activity" },
  });

async function startPlugin(binary: Uint8Array, store: TokenStore, api: RecordingTeleportClient) {
  return await ExecutionContextPool.create({
    plugin: binary,
    traits: [
      new AssemblyScriptEnv(),
      new Store(store),
      new TeleportApi(api),
      new PluginExports(
        {
          failedLogin: { params: ["string", "bytes"], result: "i32" },
          take: { params: ["string", "i32"], result: "i32" },
        } as const,
      ),
    ] as const,
    timeout: 10_000,
  });
}

Deno.test("two plugin hosts sharing one Redis lock a user after their combined attempts", async () => {
  const { binary } = await compileAssemblyScript({
    entries: ["plugin.ts"],
    files: { "plugin.ts": PLUGIN },
    target: "debug",
  });
  await using redis = await startRedisServer();
  const hosts = await Promise.all([0, 1].map(async () => {
    const store = await openTokenStore(redis.spec(0));
    const api = new RecordingTeleportClient();
    return { store, api, pool: await startPlugin(binary, store, api) };
  }));
  try {
    const [a, b] = hosts;
    const alice = lockFor("alice");
    assert.equal(await a.pool.execute("failedLogin", "alice", alice), 1);
    assert.equal(await b.pool.execute("failedLogin", "alice", alice), 2);
    assert.equal(await a.pool.execute("failedLogin", "alice", alice), 3);
    assert.equal(a.api.requests.length + b.api.requests.length, 0);
    // The fourth attempt, on the second host, crosses the limit: that host locks alice.
    assert.equal(await b.pool.execute("failedLogin", "alice", alice), 4);
    assert.equal(a.api.requests.length, 0);
    assert.equal(b.api.latest()?.lock.Spec.Target.User, "alice");
    assert.deepEqual(b.api.latest()?.bytes, alice);
    // Scopes are exact: "alic" is another user.
    assert.equal(await a.pool.execute("failedLogin", "alic", lockFor("alic")), 1);
  } finally {
    for (const { pool, store } of hosts) {
      await pool.close();
      await store.close();
    }
  }
});

Deno.test("store and API errors fail the plugin call with their message", async () => {
  const { binary } = await compileAssemblyScript({
    entries: ["plugin.ts"],
    files: { "plugin.ts": PLUGIN },
    target: "debug",
  });
  const store = await openTokenStore("memory");
  const api = new RecordingTeleportClient();
  const pool = await startPlugin(binary, store, api);
  try {
    const noTarget = codec.encodeLock({
      Kind: "lock",
      Version: "v2",
      Metadata: { Name: "n" },
      Spec: { Target: {} },
    });
    for (let i = 1; i <= 3; i++) assert.equal(await pool.execute("failedLogin", "bob", noTarget), i);
    await assert.rejects(
      pool.execute("failedLogin", "bob", noTarget),
      /upsertLock: at least one Spec\.Target field must be set/,
    );
    assert.equal(api.requests.length, 0);
    await assert.rejects(
      pool.execute("take", "", 60),
      /store\.takeToken: scope must be a non-empty string, got ""/,
    );
    await assert.rejects(
      pool.execute("take", "carol", 0),
      /store\.takeToken: ttl must be a whole number of seconds/,
    );
    assert.equal(await pool.execute("take", "carol", 60), 1);
  } finally {
    await pool.close();
    await store.close();
  }
});
