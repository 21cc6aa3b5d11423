/**
 * Deno KV store at scale: a take reads a bounded number of entries however many tokens the scope holds (plus
 * each expired token once), counts stay exact across handles racing on one file, and scopes written by the
 * earlier layout (tokens only, no scope state) are adopted. Entries read are counted through a wrapper
 * around the real `Deno.Kv` on a temporary file; nothing here measures time.
 */
import assert from "node:assert/strict";
import { KvTokenStore } from "../lib/store/kv.ts";

const NAMESPACE = "teleport-plugin-framework/tokens";

/** Entries a store read: one per `get`, one per entry a `list` yielded. */
interface Reads {
  entries: number;
}

/** `kv` with every entry it reads counted in `reads`; everything else goes straight to `kv`. */
function countingKv(kv: Deno.Kv): { kv: Deno.Kv; reads: Reads } {
  const reads: Reads = { entries: 0 };
  const get = (key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) => {
    reads.entries++;
    return kv.get(key, options);
  };
  async function* list(selector: Deno.KvListSelector, options?: Deno.KvListOptions) {
    for await (const entry of kv.list(selector, options)) {
      reads.entries++;
      yield entry;
    }
  }
  const counting = new Proxy(kv, {
    get(target, property) {
      if (property === "get") return get;
      if (property === "list") return list;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counting, reads };
}

async function withKvFile(body: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tpf-kv-scale-" });
  try {
    await body(`${dir}/tokens.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every key of `scope` in the file, tokens only (the scope state is the key `[namespace, scope]` itself). */
async function tokenValues(path: string, scope: string): Promise<unknown[]> {
  const kv = await Deno.openKv(path);
  try {
    const values: unknown[] = [];
    for await (const entry of kv.list({ prefix: [NAMESPACE, scope] })) values.push(entry.value);
    return values;
  } finally {
    kv.close();
  }
}

Deno.test("kv store: a take reads a bounded number of entries with 10,000 live tokens in the scope", async () => {
  await withKvFile(async (path) => {
    let now = 1_700_000_000_000;
    const { kv, reads } = countingKv(await Deno.openKv(path));
    const store = KvTokenStore.fromKv(kv, path, { now: () => now });
    try {
      // Half the tokens expire after a minute, half after an hour, interleaved like a burst of two kinds.
      for (let i = 1; i <= 10_000; i++) {
        now += 1;
        assert.equal(await store.takeToken("burst/alice", i % 2 ? 60 : 3600), i);
      }

      for (let i = 1; i <= 20; i++) {
        now += 1;
        reads.entries = 0;
        assert.equal(await store.takeToken("burst/alice", 3600), 10_000 + i);
        assert.ok(reads.entries <= 2, `take ${i} with 10,000 live tokens read ${reads.entries} entries`);
      }

      // The one-minute tokens have all expired: the next take reads each of them once and deletes it.
      now += 61_000;
      reads.entries = 0;
      assert.equal(await store.takeToken("burst/alice", 3600), 5_021);
      assert.ok(
        reads.entries <= 5_000 + 30,
        `the take that swept 5,000 expired tokens read ${reads.entries}`,
      );
      now += 1;
      reads.entries = 0;
      assert.equal(await store.takeToken("burst/alice", 3600), 5_022);
      assert.ok(reads.entries <= 2, `the take after the sweep read ${reads.entries} entries`);
      assert.equal((await tokenValues(path, "burst/alice")).length, 5_022, "expired tokens are deleted");
    } finally {
      await store.close();
    }
  });
});

Deno.test("kv store: two handles on one file racing with expiring tokens see exact, distinct counts", async () => {
  await withKvFile(async (path) => {
    let now = 1_700_000_000_000;
    const first = await KvTokenStore.open(path, { now: () => now });
    const second = await KvTokenStore.open(path, { now: () => now });
    try {
      /** Expiry times of the tokens the scope should hold. */
      let expected: number[] = [];
      for (let round = 0; round < 12; round++) {
        if (round === 6) {
          await second.releaseTokens("race/bob");
          expected = [];
        }
        const live = expected.filter((expiresAt) => expiresAt > now).length;
        const ttls = Array.from({ length: 24 }, (_, i) => [1, 2, 5][(i + round) % 3]);
        const counts = await Promise.all(
          ttls.map((ttl, i) => (i % 2 ? first : second).takeToken("race/bob", ttl)),
        );
        assert.deepEqual(
          counts.toSorted((a, b) => a - b),
          ttls.map((_, i) => live + i + 1),
          `round ${round}: ${live} live tokens before`,
        );
        expected = [
          ...expected.filter((expiresAt) => expiresAt > now),
          ...ttls.map((ttl) => now + ttl * 1000),
        ];
        now += 1_500;
      }
      const live = expected.filter((expiresAt) => expiresAt > now).length;
      assert.equal(await first.takeToken("race/bob", 1), live + 1);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

Deno.test("kv store: tokens written by the earlier layout are counted, expire on time and can be released", async () => {
  await withKvFile(async (path) => {
    const start = Date.now();
    // What the earlier kv.ts wrote: one key per token, value 1, expiring with the token; no scope state.
    const legacy = await Deno.openKv(path);
    for (let i = 0; i < 1_300; i += 100) {
      const operation = legacy.atomic();
      for (let j = i; j < i + 100; j++) {
        // 300 already expired, then 1,000 live: 500 for one more minute, 500 for ten.
        const expiresAt = j < 300 ? start - 1_000 : start + (j < 800 ? 60_000 : 600_000);
        // Deno KV has not deleted the expired ones yet (it does so about once a minute).
        operation.set([NAMESPACE, "legacy/carol", expiresAt, crypto.randomUUID()], 1, {
          expireIn: j < 300 ? 60_000 : expiresAt - start,
        });
      }
      await operation.commit();
    }
    await legacy.atomic().set([NAMESPACE, "legacy/dave", start + 60_000, crypto.randomUUID()], 1).commit();
    legacy.close();

    let now = start;
    const store = await KvTokenStore.open(path, { now: () => now });
    try {
      assert.equal(await store.takeToken("legacy/carol", 600), 1_001);
      const values = await tokenValues(path, "legacy/carol");
      assert.equal(
        values.filter((value) => value === 1).length,
        300,
        "only expired tokens keep the old value",
      );
      now += 60_000;
      assert.equal(await store.takeToken("legacy/carol", 600), 502);
      await store.releaseTokens("legacy/carol");
      assert.deepEqual(await tokenValues(path, "legacy/carol"), []);
      assert.equal(await store.takeToken("legacy/carol", 600), 1);

      await store.releaseTokens("legacy/dave");
      assert.equal(await store.takeToken("legacy/dave", 60), 1);
    } finally {
      await store.close();
    }
  });
});

Deno.test("kv store: a scope left alone for over half an hour is recounted exactly", async () => {
  await withKvFile(async (path) => {
    let now = 1_700_000_000_000;
    const store = await KvTokenStore.open(path, { now: () => now });
    try {
      for (let i = 0; i < 700; i++) await store.takeToken("idle/erin", i < 200 ? 60 : 7200);
      now += 45 * 60_000;
      assert.equal(await store.takeToken("idle/erin", 60), 501);
      now += 61_000;
      assert.equal(await store.takeToken("idle/erin", 60), 501);
    } finally {
      await store.close();
    }
  });
});

Deno.test("kv store: a scope of the longest size the store takes sweeps and releases in several batches", async () => {
  await withKvFile(async (path) => {
    let now = 1_700_000_000_000;
    const scope = `long/${"é".repeat(509)}`; // 1,023 bytes: about 1,100 bytes of key, dozens of tokens per operation
    const store = await KvTokenStore.open(path, { now: () => now });
    try {
      for (let i = 1; i <= 150; i++) assert.equal(await store.takeToken(scope, i <= 100 ? 1 : 60), i);
      now += 1_000;
      assert.equal(await store.takeToken(scope, 60), 51);
      await store.releaseTokens(scope);
      assert.deepEqual(await tokenValues(path, scope), []);
      assert.equal(await store.takeToken(scope, 60), 1);
    } finally {
      await store.close();
    }
  });
});

Deno.test("store kv: a clock set back keeps tokens expiring (the scope is recounted at the new time)", async () => {
  await withKvFile(async (path) => {
    let now = Date.UTC(2026, 10, 29, 12);
    const store = await KvTokenStore.open(path, { now: () => now });
    try {
      for (let i = 0; i < 5; i++) {
        await store.takeToken("clock", 60);
        now += 10_000;
      }
      // Set back ten minutes, then one 60 s token every 10 s for twelve minutes. The five taken before the step
      // expire at their own time, ten minutes on; the new ones after their 60 s: never more than 5 + 6 live.
      now -= 10 * 60_000;
      const counts: number[] = [];
      for (let i = 0; i < 72; i++) {
        counts.push(await store.takeToken("clock", 60));
        now += 10_000;
      }
      assert.ok(Math.max(...counts) <= 11, counts.join(" "));
      assert.equal(counts.at(-1), 6, counts.join(" "));
    } finally {
      await store.close();
    }
  });
});

Deno.test("store kv: a scope longer than the store takes is refused in one line naming its size", async () => {
  await withKvFile(async (path) => {
    const store = await KvTokenStore.open(path);
    try {
      const scope = "x".repeat(1965);
      await assert.rejects(
        store.takeToken(scope, 60),
        /^TokenStoreArgumentError: store\.takeToken: scope is 1965 bytes long; the kv store takes scopes of at most 1024 bytes$/,
      );
      assert.equal(await store.takeToken("x".repeat(1024), 60), 1);
    } finally {
      await store.close();
    }
  });
});

/**
 * `kv` that records each key's `expireIn` deadline on an injected clock, and `expire()`, which deletes the keys
 * whose deadline passed, as Deno KV's own background deletion does (at any moment after the deadline).
 */
function expiringKv(kv: Deno.Kv, now: () => number): { kv: Deno.Kv; expire: () => Promise<void> } {
  const deadlines = new Map<string, { key: Deno.KvKey; at: number }>();
  const recording = (operation: Deno.AtomicOperation): Deno.AtomicOperation =>
    new Proxy(operation, {
      get(target, property) {
        if (property === "set") {
          return (key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) => {
            if (options?.expireIn !== undefined) {
              deadlines.set(JSON.stringify(key), { key, at: now() + options.expireIn });
            }
            target.set(key, value, options);
            return recording(target);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function"
          ? (...args: unknown[]) => {
            const result = value.apply(target, args);
            return result === target ? recording(target) : result;
          }
          : value;
      },
    });
  const expiring = new Proxy(kv, {
    get(target, property) {
      if (property === "atomic") return () => recording(target.atomic());
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const expire = async () => {
    for (const [id, { key, at }] of deadlines) {
      if (at > now()) continue;
      await kv.delete(key);
      deadlines.delete(id);
    }
  };
  return { kv: expiring, expire };
}

Deno.test("kv store: Deno KV's own deletion of expired keys never hides a counted token", async () => {
  await withKvFile(async (path) => {
    let now = Date.UTC(2026, 10, 29, 12);
    const { kv, expire } = expiringKv(await Deno.openKv(path), () => now);
    const store = KvTokenStore.fromKv(kv, path, { now: () => now });
    try {
      // One 60 s token every 20 s for half an hour, with Deno KV's deletion running between takes, while a
      // second scope is taken only now and then (its expired tokens wait longest for a sweep).
      const taken: number[] = [];
      for (let step = 0; step < 90; step++) {
        await expire();
        taken.push(now);
        const expected = taken.filter((at) => at + 60_000 > now).length;
        assert.equal(await store.takeToken("busy", 60), expected, `step ${step}`);
        if (step % 15 === 0) assert.equal(await store.takeToken("quiet", 60), 1, `quiet at step ${step}`);
        now += 20_000;
      }
    } finally {
      await store.close();
    }
  });
});

Deno.test("kv store: a burst of takes on one scope through one handle goes in turn, each reading a few entries", async () => {
  await withKvFile(async (path) => {
    const { kv, reads } = countingKv(await Deno.openKv(path));
    const store = KvTokenStore.fromKv(kv, path);
    try {
      await store.takeToken("warm", 60);
      reads.entries = 0;
      const counts = await Promise.all(Array.from({ length: 200 }, () => store.takeToken("burst", 60)));
      assert.deepEqual(counts.toSorted((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
      // Racing each other, every lost commit would mean reading the scope's state again.
      assert.ok(reads.entries <= 200 * 2, `${reads.entries} entries read for 200 takes`);
      await Promise.all([store.releaseTokens("burst"), store.takeToken("burst", 60)]);
      assert.equal(await store.takeToken("burst", 60), 2);
    } finally {
      await store.close();
    }
  });
});
