import assert from "node:assert/strict";
import { ExecutionContextPool } from "../lib/pool/mod.ts";
import { MemoryTokenStore } from "../lib/store/memory.ts";
import type { TeleportClient } from "../lib/api/types.ts";
import {
  AssemblyScriptEnv,
  formatTrace,
  PluginExports,
  Store,
  TeleportApi,
  wrapAsHandleEventRequest,
} from "../traits/mod.ts";
import { compileSnippet } from "./helpers/assemblyscript.ts";

Deno.test("formatTrace prints the message and the first n numbers, integers without a fraction", () => {
  assert.equal(formatTrace("foo", 0, [1, 2, 3, 4, 5]), "foo");
  assert.equal(formatTrace("bar", 1, [100, 0, 0, 0, 0]), "bar 100");
  assert.equal(formatTrace("foo", 2, [100, 200, 0, 0, 0]), "foo 100 200");
  assert.equal(formatTrace("x", 9, [1.5, -2, 3, 4, 5]), "x 1.5 -2 3 4 5");
});

Deno.test("wrapAsHandleEventRequest writes field 1 with a varint length", () => {
  assert.deepEqual(wrapAsHandleEventRequest(new Uint8Array()), new Uint8Array([0x0a, 0x00]));
  const long = new Uint8Array(300).fill(7);
  const wrapped = wrapAsHandleEventRequest(long);
  assert.deepEqual(wrapped.subarray(0, 3), new Uint8Array([0x0a, 0xac, 0x02]));
  assert.deepEqual(wrapped.subarray(3), long);
});

const PLUGIN = `
@external("store", "takeToken") declare function takeToken(scope: string, ttl: i32): i32;
@external("store", "releaseTokens") declare function releaseTokens(scope: string): void;
@external("api", "upsertLock") declare function upsertLock(lock: ArrayBuffer): void;
export function take(scope: string): i32 { return takeToken(scope, 300); }
export function release(scope: string): void { releaseTokens(scope); }
export function lock(n: i32): void {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = <u8>i;
  upsertLock(bytes.buffer);
}
`;

class RawRecorder implements TeleportClient {
  readonly locks: Uint8Array[] = [];
  upsertLock(lock: Uint8Array): Promise<void> {
    if (lock.byteLength === 0) return Promise.reject(new Error("empty lock"));
    this.locks.push(lock);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("Store and TeleportApi: plugins reach the shared store and client from every instance", async () => {
  const store = new MemoryTokenStore();
  const api = new RawRecorder();
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(PLUGIN),
    traits: [
      new AssemblyScriptEnv(),
      new Store(store),
      new TeleportApi(api),
      new PluginExports({
        take: { params: ["string"], result: "i32" },
        release: { params: ["string"], result: "void" },
        lock: { params: ["i32"], result: "void" },
      }),
    ],
    concurrency: 2,
  });
  try {
    const counts = await Promise.all(Array.from({ length: 4 }, () => pool.execute("take", "user:ålice")));
    assert.deepEqual(counts.sort(), [1, 2, 3, 4]);
    assert.equal(await store.takeToken("user:ålice", 300), 5);
    await pool.execute("release", "user:ålice");
    assert.equal(await pool.execute("take", "user:ålice"), 1);

    await pool.execute("lock", 3);
    assert.deepEqual(api.locks, [new Uint8Array([0, 1, 2])]);
    await assert.rejects(pool.execute("lock", 0), /empty lock/);
  } finally {
    await pool.close();
    await store.close();
  }
});
