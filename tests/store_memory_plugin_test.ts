/**
 * The memory store as plugins use it: the Store trait counts inside the workers on the store's shared
 * table, and the main thread sees the very same counts.
 */
import assert from "node:assert/strict";
import { ExecutionContextPool } from "../lib/pool/mod.ts";
import { MemoryTokenStore } from "../lib/store/memory.ts";
import { AssemblyScriptEnv, PluginExports, Store } from "../traits/mod.ts";
import { compileSnippet } from "./helpers/assemblyscript.ts";

const PLUGIN = `
@external("store", "takeToken") declare function takeToken(scope: string, ttl: i32): i32;
@external("store", "releaseTokens") declare function releaseTokens(scope: string): void;
export function take(scope: string, ttl: i32): i32 { return takeToken(scope, ttl); }
export function release(scope: string): void { releaseTokens(scope); }
/** Takes n tokens, cycling over scopes hot-0 .. hot-(scopes - 1); returns the largest count seen. */
export function hammer(n: i32, scopes: i32): i32 {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const count = takeToken("hot-" + (i % scopes).toString(), 300);
    if (count > largest) largest = count;
  }
  return largest;
}
`;

const EXPORTS = {
  take: { params: ["string", "i32"], result: "i32" },
  release: { params: ["string"], result: "void" },
  hammer: { params: ["i32", "i32"], result: "i32" },
} as const;

const plugin = compileSnippet(PLUGIN);

async function startPool(store: MemoryTokenStore, concurrency: number) {
  return await ExecutionContextPool.create({
    plugin: await plugin,
    traits: [new AssemblyScriptEnv(), new Store(store), new PluginExports(EXPORTS)] as const,
    concurrency,
    timeout: 60_000,
  });
}

Deno.test("the Store trait counts in the worker for a memory store on the system clock only", () => {
  const kinds = (store: MemoryTokenStore) => new Store(store).hostFunctions.map((fn) => fn.kind);
  assert.deepEqual(kinds(new MemoryTokenStore()), ["worker", "worker"]);
  assert.deepEqual(kinds(new MemoryTokenStore({ now: Date.now })), ["main", "main"]);
});

Deno.test("four workers hammering the same scopes give exact counts", async () => {
  const store = new MemoryTokenStore();
  const pool = await startPool(store, 4);
  try {
    const calls = 3_000;
    const largest = await Promise.all(Array.from({ length: 8 }, () => pool.execute("hammer", calls, 3)));
    // 8 runs of 3,000 takes over 3 scopes: 8,000 tokens each, none lost or counted twice.
    for (const scope of ["hot-0", "hot-1", "hot-2"]) assert.equal(store.countTokens(scope), 8_000);
    assert.equal(Math.max(...largest), 8_000);
    // Single takes from every worker each see a distinct count.
    const counts = await Promise.all(Array.from({ length: 200 }, () => pool.execute("take", "solo", 300)));
    assert.deepEqual(counts.toSorted((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
  } finally {
    await pool.close();
    await store.close();
  }
});

Deno.test("plugin and main thread share counts, releases and exact scopes", async () => {
  const store = new MemoryTokenStore();
  const pool = await startPool(store, 2);
  try {
    assert.equal(await pool.execute("take", "user:ålice", 300), 1);
    assert.equal(await store.takeToken("user:ålice", 300), 2);
    assert.equal(await pool.execute("take", "user:ålice", 300), 3);
    assert.equal(await pool.execute("take", "user:ålic", 300), 1);
    assert.equal(await pool.execute("take", "user:ålice!", 300), 1);
    await pool.execute("release", "user:ålice");
    assert.equal(store.countTokens("user:ålice"), 0);
    assert.equal(store.countTokens("user:ålic"), 1);
    await store.releaseTokens("user:ålic");
    assert.equal(await pool.execute("take", "user:ålic", 300), 1);
  } finally {
    await pool.close();
    await store.close();
  }
});

Deno.test("tokens taken by a plugin expire after their ttl", async () => {
  const store = new MemoryTokenStore();
  const pool = await startPool(store, 1);
  try {
    assert.equal(await pool.execute("take", "expiring", 1), 1);
    assert.equal(await pool.execute("take", "expiring", 1), 2);
    assert.equal(await pool.execute("take", "expiring", 60), 3);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal(await pool.execute("take", "expiring", 1), 2);
  } finally {
    await pool.close();
    await store.close();
  }
});

Deno.test("store errors fail the plugin call with the store's message", async () => {
  const store = new MemoryTokenStore({ maxScopes: 2 });
  const pool = await startPool(store, 1);
  try {
    await assert.rejects(pool.execute("take", "", 60), {
      message: 'store.takeToken: scope must be a non-empty string, got ""',
    });
    await assert.rejects(pool.execute("release", ""), {
      message: 'store.releaseTokens: scope must be a non-empty string, got ""',
    });
    await assert.rejects(pool.execute("take", "a", 0), {
      message: `store.takeToken: ttl must be a whole number of seconds from 1 to ${2 ** 31 - 1}, got 0`,
    });
    assert.equal(await pool.execute("take", "a", 60), 1);
    assert.equal(await pool.execute("take", "b", 60), 1);
    await assert.rejects(pool.execute("take", "c", 60), {
      message: "memory token store is full: more than maxScopes = 2 live; raise the maxScopes option",
    });
    // The instance is replaced after a failed call and keeps counting in the same table.
    assert.equal(await pool.execute("take", "a", 60), 2);
    await store.close();
    await assert.rejects(pool.execute("take", "a", 60), {
      message: "memory token store: used after close()",
    });
  } finally {
    await pool.close();
    await store.close();
  }
});
