/**
 * The memory store's shared table on its own: capacity limits and the rebuild that clears out expired
 * tokens, released scopes and abandoned space, checked against a plain reference model.
 */
import assert from "node:assert/strict";
import { MemoryTokenStore, TokenTableFullError } from "../lib/store/memory.ts";
import { TokenTable } from "../lib/store/token_table.ts";

Deno.test("a full table refuses a new scope, naming maxScopes, until tokens expire", async () => {
  let now = 1_000_000;
  const store = new MemoryTokenStore({ maxScopes: 3, now: () => now });
  try {
    assert.equal(await store.takeToken("a", 10), 1);
    assert.equal(await store.takeToken("b", 20), 1);
    assert.equal(await store.takeToken("c", 20), 1);
    await assert.rejects(store.takeToken("d", 20), {
      name: "TokenTableFullError",
      message: "memory token store is full: more than maxScopes = 3 live; raise the maxScopes option",
    });
    // Existing scopes still count.
    assert.equal(await store.takeToken("a", 10), 2);
    now += 10_000; // a's tokens expire: its place is free again
    assert.equal(await store.takeToken("d", 20), 1);
    assert.equal(store.countTokens("a"), 0);
    assert.equal(store.countTokens("b"), 1);
    // A released scope frees its place at once.
    await store.releaseTokens("b");
    assert.equal(await store.takeToken("e", 20), 1);
  } finally {
    await store.close();
  }
});

Deno.test("live tokens are limited by maxTokens, over one scope or many", async () => {
  let now = 0;
  const store = new MemoryTokenStore({ maxTokens: 8, now: () => now });
  try {
    for (let i = 1; i <= 8; i++) assert.equal(await store.takeToken("one", 60), i);
    await assert.rejects(store.takeToken("one", 60), (error: Error) => {
      assert.ok(error instanceof TokenTableFullError);
      assert.match(error.message, /maxTokens = 8/);
      return true;
    });
    await assert.rejects(store.takeToken("other", 60), /maxTokens = 8/);
    assert.equal(store.countTokens("one"), 8, "a refused call adds nothing");
    await store.releaseTokens("one");
    for (let i = 0; i < 8; i++) assert.equal(await store.takeToken(`many-${i}`, 60), 1);
    await assert.rejects(store.takeToken("many-8", 60), /maxTokens = 8/);
    now += 60_000;
    assert.equal(await store.takeToken("many-8", 60), 1);
  } finally {
    await store.close();
  }
});

Deno.test("scope names are limited by maxScopeUnits (UTF-16 code units)", async () => {
  const store = new MemoryTokenStore({ maxScopeUnits: 10 });
  try {
    assert.equal(await store.takeToken("ålice", 60), 1); // 5 units
    assert.equal(await store.takeToken("bob👍", 60), 1); // 5 units: the emoji is two
    await assert.rejects(store.takeToken("c", 60), /more than maxScopeUnits = 10 live/);
    await store.releaseTokens("bob👍");
    assert.equal(await store.takeToken("carol", 60), 1);
  } finally {
    await store.close();
  }
});

Deno.test("capacities must be whole numbers from 1", () => {
  assert.throws(() => new MemoryTokenStore({ maxScopes: 0 }), {
    name: "RangeError",
    message: "memory token store: maxScopes must be a whole number from 1 to 2^28, got 0",
  });
  assert.throws(() => new MemoryTokenStore({ maxTokens: 1.5 }), /maxTokens must be a whole number/);
});

Deno.test("after close, the table refuses every call, from any view of its buffer", async () => {
  const store = new MemoryTokenStore();
  await store.takeToken("a", 60);
  const view = new TokenTable(store.sharedBuffer!);
  await store.close();
  await assert.rejects(store.takeToken("a", 60), /memory token store: used after close\(\)/);
  assert.throws(() => view.take("a", 1000, Date.now()), /used after close\(\)/);
  assert.equal(view.closed, true);
});

Deno.test("an injected clock keeps the table to this thread", async () => {
  const store = new MemoryTokenStore({ now: () => 0 });
  assert.equal(store.sharedBuffer, undefined);
  await store.close();
});

/** The behaviour the table must reproduce: the expiry times of each scope's tokens. */
class ReferenceStore {
  readonly #scopes = new Map<string, number[]>();
  take(scope: string, ttlMs: number, now: number): number {
    const live = (this.#scopes.get(scope) ?? []).filter((expiry) => expiry > now);
    live.push(now + ttlMs);
    this.#scopes.set(scope, live);
    return live.length;
  }
  release(scope: string): void {
    this.#scopes.delete(scope);
  }
  count(scope: string, now: number): number {
    return (this.#scopes.get(scope) ?? []).filter((expiry) => expiry > now).length;
  }
}

Deno.test("random takes, releases and clock steps give the reference counts through many rebuilds", () => {
  // Small capacities make abandoned blocks, released scopes and expired tokens fill the table often.
  const table = TokenTable.create({ maxScopes: 40, maxTokens: 256, maxScopeUnits: 400 });
  const reference = new ReferenceStore();
  let seed = 42;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return (seed >>> 8) % n;
  };
  const scopes = Array.from({ length: 30 }, (_, i) => `scope-${i}-${"x".repeat(i % 7)}`);
  let now = 1_700_000_000_000;
  for (let step = 0; step < 20_000; step++) {
    const scope = scopes[random(scopes.length)];
    const action = random(100);
    if (action < 85) {
      // Mixed ttls in one scope: new tokens do not always expire last.
      const ttlMs = (1 + random(3)) * 1000;
      assert.equal(
        table.take(scope, ttlMs, now),
        reference.take(scope, ttlMs, now),
        `step ${step}`,
      );
    } else if (action < 90) {
      table.release(scope);
      reference.release(scope);
    } else {
      assert.equal(table.count(scope, now), reference.count(scope, now), `step ${step}`);
    }
    now += random(40);
  }
});
