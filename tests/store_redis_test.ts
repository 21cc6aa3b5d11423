/**
 * Redis-specific behaviour of the token store, against a real redis-server.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../lib/store/redis.ts";
import { startRedisServer } from "./helpers/redis.ts";

Deno.test("redis store keeps one namespaced sorted set per scope, expiring with its last token", async () => {
  await using server = await startRedisServer();
  const store = await RedisTokenStore.open({ host: "127.0.0.1", port: server.port, db: 2 });
  const raw = new Redis({ host: "127.0.0.1", port: server.port, db: 2 });
  try {
    await store.takeToken("alice", 30);
    await store.takeToken("alice", 600);
    await store.takeToken("alice", 30);
    assert.deepEqual(await raw.keys("*"), ["teleport-plugin-framework:tokens:alice"]);
    assert.equal(await raw.type("teleport-plugin-framework:tokens:alice"), "zset");
    assert.equal(await raw.zcard("teleport-plugin-framework:tokens:alice"), 3);
    // The key lives as long as its longest-lived token, not the latest one.
    const pttl = await raw.pttl("teleport-plugin-framework:tokens:alice");
    assert.ok(pttl > 590_000 && pttl <= 600_000, `PTTL ${pttl}`);
  } finally {
    await store.close();
    await raw.quit();
  }
});

Deno.test("redis store reloads its script after the server forgot it", async () => {
  await using server = await startRedisServer();
  const store = await RedisTokenStore.open({ host: "127.0.0.1", port: server.port });
  const raw = new Redis({ host: "127.0.0.1", port: server.port });
  try {
    assert.equal(await store.takeToken("bob", 60), 1);
    await raw.script("FLUSH");
    assert.equal(await store.takeToken("bob", 60), 2);
  } finally {
    await store.close();
    await raw.quit();
  }
});

Deno.test("redis store rejects calls once the server is gone, naming the server", async () => {
  const server = await startRedisServer();
  const store = await RedisTokenStore.open({ host: "127.0.0.1", port: server.port, timeoutMs: 1000 });
  try {
    assert.equal(await store.takeToken("carol", 60), 1);
    await server.stop();
    await assert.rejects(
      store.takeToken("carol", 60),
      (error: Error) =>
        error.message.startsWith(`redis token store redis://127.0.0.1:${server.port}/0: takeToken failed:`),
    );
  } finally {
    await store.close();
  }
});
