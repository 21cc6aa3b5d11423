/**
 * One specification, run against every token store backend: memory, Deno KV and a real redis-server.
 */
import assert from "node:assert/strict";
import { openTokenStore } from "../lib/store/open.ts";
import type { TokenStore } from "../lib/store/types.ts";
import { TokenStoreArgumentError } from "../lib/store/validate.ts";
import { startRedisServer } from "./helpers/redis.ts";

/** A backend under test: a spec to open, and what it promises beyond the common behaviour. */
interface Backend extends AsyncDisposable {
  spec: string;
  /** Counts survive closing and reopening the store. */
  persistent: boolean;
}

const backends: Record<string, () => Promise<Backend>> = {
  memory: () => Promise.resolve({ spec: "memory", persistent: false, [Symbol.asyncDispose]: async () => {} }),
  kv: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tpf-store-" });
    return {
      spec: `kv:${dir}/tokens.kv`,
      persistent: true,
      [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
    };
  },
  redis: async () => {
    const server = await startRedisServer();
    return { spec: server.spec(3), persistent: true, [Symbol.asyncDispose]: server.stop };
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withStore(spec: string, body: (store: TokenStore) => Promise<void>): Promise<void> {
  const store = await openTokenStore(spec);
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

for (const [name, start] of Object.entries(backends)) {
  Deno.test(`token store ${name}`, async (t) => {
    await using backend = await start();

    await t.step("takeToken counts the live tokens of a scope, including the new one", async () => {
      await withStore(backend.spec, async (store) => {
        assert.equal(await store.takeToken("count/alice", 60), 1);
        assert.equal(await store.takeToken("count/alice", 60), 2);
        assert.equal(await store.takeToken("count/alice", 60), 3);
      });
    });

    await t.step("scopes match exactly, never by prefix", async () => {
      await withStore(backend.spec, async (store) => {
        assert.equal(await store.takeToken("exact/foo", 60), 1);
        assert.equal(await store.takeToken("exact/foobar", 60), 1);
        assert.equal(await store.takeToken("exact/fo", 60), 1);
        assert.equal(await store.takeToken("exact/foo", 60), 2);
        assert.equal(await store.takeToken("exact/foo*", 60), 1);
        assert.equal(await store.takeToken("exact/ünïcode ✓", 60), 1);
        assert.equal(await store.takeToken("exact/ünïcode ✓", 60), 2);
      });
    });

    await t.step("releaseTokens empties one scope and leaves the others", async () => {
      await withStore(backend.spec, async (store) => {
        await store.takeToken("release/a", 60);
        await store.takeToken("release/a", 60);
        await store.takeToken("release/ab", 60);
        await store.releaseTokens("release/a");
        assert.equal(await store.takeToken("release/a", 60), 1);
        assert.equal(await store.takeToken("release/ab", 60), 2);
        await store.releaseTokens("release/never-used");
      });
    });

    await t.step("tokens expire after their ttl, each on its own", async () => {
      await withStore(backend.spec, async (store) => {
        assert.equal(await store.takeToken("expiry/x", 1), 1);
        assert.equal(await store.takeToken("expiry/x", 1), 2);
        // A longer-lived token in the same scope keeps the scope (and Redis key) alive: the short ones
        // must still stop counting, so expiry is enforced when counting, not only by clean-up.
        assert.equal(await store.takeToken("expiry/x", 30), 3);
        await sleep(1200);
        assert.equal(await store.takeToken("expiry/x", 1), 2);
      });
    });

    await t.step("an empty scope or a ttl that is not a positive whole number is rejected", async () => {
      await withStore(backend.spec, async (store) => {
        await assert.rejects(store.takeToken("", 60), {
          name: "TokenStoreArgumentError",
          message: 'store.takeToken: scope must be a non-empty string, got ""',
        });
        await assert.rejects(store.releaseTokens(""), TokenStoreArgumentError);
        for (const ttl of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
          await assert.rejects(store.takeToken("valid", ttl), (error: Error) => {
            assert.ok(error instanceof TokenStoreArgumentError);
            assert.match(error.message, /^store\.takeToken: ttl must be a whole number of seconds from 1 to/);
            assert.ok(error.message.endsWith(`got ${ttl}`), error.message);
            return true;
          });
        }
        // Nothing was counted by the rejected calls.
        assert.equal(await store.takeToken("valid", 60), 1);
      });
    });

    await t.step("two clients of the same store see the combined count", async () => {
      const first = await openTokenStore(backend.spec);
      const second = await openTokenStore(backend.spec);
      try {
        if (name === "memory") {
          // Separate memory stores are separate by design.
          await first.takeToken("shared/u", 60);
          assert.equal(await second.takeToken("shared/u", 60), 1);
          return;
        }
        assert.equal(await first.takeToken("shared/u", 60), 1);
        assert.equal(await second.takeToken("shared/u", 60), 2);
        assert.equal(await first.takeToken("shared/u", 60), 3);
        // Concurrent calls from both clients: none is lost.
        const concurrent = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).takeToken("shared/v", 60)),
        );
        assert.equal(await first.takeToken("shared/v", 60), 41);
        // One atomic operation per call (a Lua script, a KV commit checked against the scope's state): every
        // call saw a distinct count.
        assert.deepEqual(concurrent.toSorted((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
      } finally {
        await first.close();
        await second.close();
      }
    });

    if (backend.persistent) {
      await t.step("counts survive closing and reopening the store", async () => {
        await withStore(backend.spec, async (store) => {
          await store.takeToken("restart/alice", 60);
          await store.takeToken("restart/alice", 60);
        });
        await withStore(backend.spec, async (store) => {
          assert.equal(await store.takeToken("restart/alice", 60), 3);
        });
      });
    }
  });
}

for (const name of ["memory", "kv"]) {
  Deno.test(`token store ${name}: a token is live until exactly its ttl has passed (injected clock)`, async () => {
    await using backend = await backends[name]();
    let now = Date.now();
    const store = await openTokenStore(backend.spec, { now: () => now });
    try {
      assert.equal(await store.takeToken("clock/a", 10), 1);
      now += 5_000;
      assert.equal(await store.takeToken("clock/a", 10), 2);
      now += 4_999; // the first token has 1 ms left
      assert.equal(await store.takeToken("clock/a", 10), 3);
      now += 1; // the first token's expiry time: it no longer counts
      assert.equal(await store.takeToken("clock/a", 10), 3);
      now += 20_000;
      assert.equal(await store.takeToken("clock/a", 10), 1);
    } finally {
      await store.close();
    }
  });
}
