/**
 * `--store` specs: parsed in one place, with errors that name the bad spec.
 */
import assert from "node:assert/strict";
import { openTokenStore, parseTokenStoreSpec, TokenStoreSpecError } from "../lib/store/open.ts";
import { MemoryTokenStore } from "../lib/store/memory.ts";

Deno.test("parseTokenStoreSpec reads memory, kv:PATH and redis URLs", () => {
  assert.deepEqual(parseTokenStoreSpec("memory"), { kind: "memory" });
  assert.deepEqual(parseTokenStoreSpec("kv:./state/tokens.kv"), { kind: "kv", path: "./state/tokens.kv" });
  assert.deepEqual(parseTokenStoreSpec("redis://10.0.0.5:6380/4"), {
    kind: "redis",
    redis: { host: "10.0.0.5", port: 6380, db: 4, username: undefined, password: undefined, tls: false },
  });
  assert.deepEqual(parseTokenStoreSpec("redis://cache.internal"), {
    kind: "redis",
    redis: {
      host: "cache.internal",
      port: 6379,
      db: 0,
      username: undefined,
      password: undefined,
      tls: false,
    },
  });
  assert.deepEqual(parseTokenStoreSpec("rediss://bot:s%40cret@[::1]:7000/1"), {
    kind: "redis",
    redis: { host: "::1", port: 7000, db: 1, username: "bot", password: "s@cret", tls: true },
  });
});

Deno.test("parseTokenStoreSpec rejects malformed specs, naming them", () => {
  const cases: [string, string][] = [
    ["", "invalid token store '': expected memory, kv:PATH or redis://HOST:PORT/DB"],
    ["Memory", "invalid token store 'Memory': expected memory, kv:PATH or redis://HOST:PORT/DB"],
    [
      "badger:/tmp/db",
      "invalid token store 'badger:/tmp/db': expected memory, kv:PATH or redis://HOST:PORT/DB",
    ],
    ["kv:", "invalid token store 'kv:': the Deno KV file path is missing (kv:PATH)"],
    ["redis://", "invalid token store 'redis://': the host is missing (redis://HOST:PORT/DB)"],
    [
      "redis://host:99999/0",
      "invalid token store 'redis://host:99999/0': not a valid URL (expected redis://HOST:PORT/DB)",
    ],
    [
      "redis://host:6379/zero",
      "invalid token store 'redis://host:6379/zero': the database must be a number, got 'zero'",
    ],
    [
      "redis://host/0?prefix=x",
      "invalid token store 'redis://host/0?prefix=x': query strings and fragments are not supported",
    ],
    // The password is hidden in the message.
    [
      "redis://u:hunter2@host/x",
      "invalid token store 'redis://u:***@host/x': the database must be a number, got 'x'",
    ],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parseTokenStoreSpec(spec), { name: "TokenStoreSpecError", message }, spec);
  }
  assert.ok(new TokenStoreSpecError("x", "y") instanceof Error);
});

Deno.test("openTokenStore opens a memory store by default spec", async () => {
  const store = await openTokenStore("memory");
  assert.ok(store instanceof MemoryTokenStore);
  await store.close();
  await assert.rejects(store.takeToken("a", 1), /memory token store: used after close\(\)/);
});

Deno.test("openTokenStore rejects a kv file in a missing folder, naming the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      openTokenStore(`kv:${dir}/missing/tokens.kv`),
      (error: Error) =>
        error.message.startsWith(`kv token store: cannot open Deno KV file '${dir}/missing/tokens.kv':`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openTokenStore rejects a redis server that does not answer, naming it", async () => {
  // A port that was free a moment ago: nothing listens there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await assert.rejects(
    openTokenStore(`redis://127.0.0.1:${port}/0`),
    (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`^redis token store: cannot connect to redis://127\\.0\\.0\\.1:${port}/0: `),
      );
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    },
  );
});
