import assert from "node:assert/strict";
import {
  ExecutionContextPool,
  hostFunction,
  MarshallingError,
  MemoryLimitError,
  PluginAbortError,
  PluginLoadError,
  PluginTrapError,
  PoolClosedError,
  PoolOptionsError,
  type Trait,
} from "../lib/pool/mod.ts";
import { WORKER_OPTIONS } from "../lib/pool/context.ts";
import { AssemblyScriptEnv, HandleEvent, PluginExports, Store, Testing } from "../traits/mod.ts";
import type { TokenStore } from "../lib/store/types.ts";
import { compileSnippet, ECHO_AND_REVERSE } from "./helpers/assemblyscript.ts";

const PLUGIN = `
@external("probe", "enter") declare function enter(): void;
@external("probe", "leave") declare function leave(): void;

export function handleEvent(request: ArrayBuffer): ArrayBuffer { return request; }
${ECHO_AND_REVERSE}
export function mix(a: i32, b: i64, c: f64, d: bool): f64 { return d ? <f64>a + <f64>b + c : 0; }
export function guarded(): void { enter(); leave(); }
export function failAssert(n: i32): void { assert(n > 1, "n must be above 1"); }
export function trap(): i32 { unreachable(); return 0; }
export function pick(i: i32): i32 { const list = [1, 2, 3]; return list[i]; }
export function hog(): i32 {
  const chunks = new Array<ArrayBuffer>();
  for (let i = 0; i < 1000; i++) chunks.push(new ArrayBuffer(64 * 1024));
  return chunks.length;
}
`;

const PLUGIN_EXPORTS = new PluginExports({
  echo: { params: ["string"], result: "string" },
  reverse: { params: ["bytes"], result: "bytes" },
  mix: { params: ["i32", "i64", "f64", "bool"], result: "f64" },
  guarded: { params: [], result: "void" },
  failAssert: { params: ["i32"], result: "void" },
  trap: { params: [], result: "i32" },
  pick: { params: ["i32"], result: "i32" },
  hog: { params: [], result: "i32" },
});

/** Records, per instance, how many calls are inside `guarded` at once. */
class Probe implements Trait<Record<never, never>> {
  readonly name = "Probe";
  readonly requiredExports = {};
  readonly inside = new Map<number, number>();
  readonly seen = new Set<number>();
  overlaps = 0;
  readonly hostFunctions = [
    hostFunction({
      namespace: "probe",
      name: "enter",
      params: [],
      result: "void",
      run: async (context) => {
        const count = (this.inside.get(context.instanceId) ?? 0) + 1;
        if (count > 1) this.overlaps++;
        this.inside.set(context.instanceId, count);
        this.seen.add(context.instanceId);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    }),
    hostFunction({
      namespace: "probe",
      name: "leave",
      params: [],
      result: "void",
      run: (context) => void this.inside.set(context.instanceId, this.inside.get(context.instanceId)! - 1),
    }),
  ];
}

async function createPool(options: { concurrency?: number; memoryLimit?: { pages: number } } = {}) {
  const probe = new Probe();
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(PLUGIN),
    traits: [new AssemblyScriptEnv(), new HandleEvent(), PLUGIN_EXPORTS, probe],
    timeout: 5000,
    ...options,
  });
  return { pool, probe };
}

Deno.test("pool: strings and buffers round-trip (empty, non-ASCII, BOM, lone surrogates, 10 MB) with typed results", async () => {
  const { pool } = await createPool();
  try {
    const texts = [
      "",
      "héllo — ✓ 日本語 🎉",
      "\uFEFF",
      "\uFEFFhello",
      "a\uD800b\uDC00\uFFFD",
      "x".repeat(5 * 1024 * 1024),
    ];
    for (const text of texts) {
      const echoed: string = await pool.execute("echo", text);
      assert.equal(echoed, text);
    }
    const big = new Uint8Array(10 * 1024 * 1024).map((_, i) => i % 251);
    for (const bytes of [new Uint8Array(), new Uint8Array([1, 2, 3]), big]) {
      assert.deepEqual(await pool.execute("reverse", bytes), bytes.slice().reverse());
    }
    assert.deepEqual(
      await pool.execute("handleEvent", new Uint8Array([0x0a, 0x01, 0x02])),
      new Uint8Array([10, 1, 2]),
    );
    assert.equal(await pool.execute("mix", 1, 2n, 0.5, true), 3.5);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: concurrent calls never share an instance, and all instances are used", async () => {
  const { pool, probe } = await createPool({ concurrency: 3 });
  try {
    await Promise.all(Array.from({ length: 30 }, () => pool.execute("guarded")));
    assert.equal(probe.overlaps, 0);
    assert.equal(probe.seen.size, 3);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: abort() reports the plugin's message and source location; the next call works", async () => {
  const { pool } = await createPool();
  try {
    await assert.rejects(pool.execute("failAssert", 1), (error: unknown) => {
      assert.ok(error instanceof PluginAbortError);
      assert.equal(error.abortMessage, "n must be above 1");
      assert.equal(error.file, "index.ts");
      assert.ok(error.line > 0 && error.column > 0);
      assert.match(error.message, /^failAssert aborted: n must be above 1 at index\.ts:\d+:\d+$/);
      return true;
    });
    assert.equal(await pool.execute("echo", "still alive"), "still alive");
  } finally {
    await pool.close();
  }
});

Deno.test("pool: an abort raised inside the standard library carries the frames that led there", async () => {
  const { pool } = await createPool();
  try {
    await assert.rejects(pool.execute("pick", 7), (error: unknown) => {
      assert.ok(error instanceof PluginAbortError);
      assert.equal(error.abortMessage, "Index out of range");
      assert.match(error.file, /^~lib\/array\.ts$/);
      // The plugin's own function is on the stack, below the library's.
      const own = error.wasmStack.findIndex((frame) =>
        /^index\/pick \(wasm-function\[\d+\]:0x[0-9a-f]+\)$/.test(frame)
      );
      assert.ok(own > 0, error.wasmStack.join("\n"));
      assert.match(
        error.message,
        /^pick aborted: Index out of range at ~lib\/array\.ts:\d+:\d+, called from index\/pick /,
      );
      return true;
    });
    assert.equal(await pool.execute("pick", 1), 2);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: a trap reports its message and the wasm function it happened in", async () => {
  const { pool } = await createPool();
  try {
    await assert.rejects(pool.execute("trap"), (error: unknown) => {
      assert.ok(error instanceof PluginTrapError);
      assert.equal(error.trap, "unreachable");
      assert.match(error.wasmStack[0], /trap \(wasm-function\[\d+\]:0x[0-9a-f]+\)/);
      return true;
    });
    assert.equal(await pool.execute("echo", "ok"), "ok");
  } finally {
    await pool.close();
  }
});

Deno.test("pool: memory beyond the limit fails the call with MemoryLimitError and the instance is replaced", async () => {
  const { pool } = await createPool({ memoryLimit: { pages: 32 } });
  try {
    await assert.rejects(pool.execute("hog"), (error: unknown) => {
      assert.ok(error instanceof MemoryLimitError);
      assert.equal(error.message, "hog failed: memory limit 2097152 bytes (32 pages) exceeded");
      return true;
    });
    assert.equal(await pool.execute("echo", "fresh"), "fresh");
  } finally {
    await pool.close();
  }
});

Deno.test("pool: the memory limit holds for an optimised plugin making one large allocation", async () => {
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(
      `export function alloc(n: i32): i32 { return new ArrayBuffer(n).byteLength; }`,
      {
        target: "release",
      },
    ),
    traits: [new AssemblyScriptEnv(), new PluginExports({ alloc: { params: ["i32"], result: "i32" } })],
    memoryLimit: { bytes: 4 * 1024 * 1024 },
  });
  try {
    assert.equal(await pool.execute("alloc", 1024 * 1024), 1024 * 1024);
    await assert.rejects(pool.execute("alloc", 10 * 1024 * 1024), MemoryLimitError);
    assert.equal(await pool.execute("alloc", 16), 16);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: a batch returns each call's result or error in order", async () => {
  const { pool } = await createPool({ concurrency: 2 });
  try {
    const results = await pool.batch("failAssert", [[5], [0], [7], [1], [9]]);
    assert.deepEqual(results.map((r) => r.ok), [true, false, true, false, true]);
    const failed = results[1];
    assert.ok(!failed.ok && failed.error instanceof PluginAbortError);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: batch results of many sizes stay intact while later batches reuse the pool's buffers", async () => {
  const { pool } = await createPool({ concurrency: 2 });
  try {
    const inputs = (seed: number) =>
      Array.from(
        { length: 40 },
        (_, i) => new Uint8Array((i * 37) % 300).map((_, j) => (seed + i + j) % 256),
      );
    const first = inputs(1);
    const kept = await pool.batch("reverse", first.map((bytes) => [bytes] as [Uint8Array]));
    // Later batches (bytes, strings and a failing call) go through the same shared buffers.
    await pool.batch("reverse", inputs(2).map((bytes) => [bytes] as [Uint8Array]));
    const texts = ["", "héllo ✓", "🎉".repeat(100)];
    const echoed = await pool.batch("echo", texts.map((text) => [text] as [string]));
    assert.deepEqual(echoed.map((r) => r.ok && r.value), texts);
    const mixed = await pool.batch("failAssert", [[5], [0], [7]]);
    assert.deepEqual(mixed.map((r) => r.ok), [true, false, true]);

    assert.deepEqual(
      kept.map((r) => r.ok && Array.from(r.value)),
      first.map((bytes) => Array.from(bytes.slice().reverse())),
    );
    // Each result is its own view: writing into one leaves the others alone.
    const [a, b] = kept.slice(1, 3).map((r) => r.ok ? r.value : new Uint8Array());
    const before = Array.from(b);
    a.fill(0);
    assert.deepEqual(Array.from(b), before);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: a throwing host function fails the call with that very error", async () => {
  const failure = new Error("redis is down");
  const store: TokenStore = {
    takeToken: () => Promise.reject(failure),
    releaseTokens: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(`
      @external("store", "takeToken") declare function takeToken(scope: string, ttl: i32): i32;
      export function take(scope: string): i32 { return takeToken(scope, 60); }
    `),
    traits: [
      new AssemblyScriptEnv(),
      new Store(store),
      new PluginExports({ take: { params: ["string"], result: "i32" } }),
    ],
  });
  try {
    await assert.rejects(pool.execute("take", "user:alice"), (error) => error === failure);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: Testing host functions give fixtures, wrapped requests and the latest API request", async () => {
  let latest: Uint8Array | undefined;
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(`
      @external("test", "getFixture") declare function getFixture(n: i32): ArrayBuffer;
      @external("test", "getFixtureAsHandleEventRequest") declare function getFixtureAsHandleEventRequest(n: i32): ArrayBuffer;
      @external("test", "getLatestAPIRequest") declare function getLatestAPIRequest(): ArrayBuffer;
      export function fixture(n: i32): ArrayBuffer { return getFixture(n); }
      export function request(n: i32): ArrayBuffer { return getFixtureAsHandleEventRequest(n); }
      export function latest(): ArrayBuffer { return getLatestAPIRequest(); }
    `),
    traits: [
      new AssemblyScriptEnv(),
      new Testing({ fixtures: new Map([[1, new Uint8Array([7, 8, 9])]]), latestApiRequest: () => latest }),
      new PluginExports({
        fixture: { params: ["i32"], result: "bytes" },
        request: { params: ["i32"], result: "bytes" },
        latest: { params: [], result: "bytes" },
      }),
    ],
  });
  try {
    assert.deepEqual(await pool.execute("fixture", 1), new Uint8Array([7, 8, 9]));
    assert.deepEqual(await pool.execute("request", 1), new Uint8Array([0x0a, 3, 7, 8, 9]));
    await assert.rejects(pool.execute("fixture", 2), /fixture 2 does not exist \(fixtures: 1\)/);
    assert.deepEqual(await pool.execute("latest"), new Uint8Array());
    latest = new Uint8Array([1, 2]);
    assert.deepEqual(await pool.execute("latest"), new Uint8Array([1, 2]));
  } finally {
    await pool.close();
  }
});

Deno.test("pool: trace lines are formatted like the original and carry the instance id", async () => {
  const lines: string[] = [];
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(
      `export function run(): void { trace("foo", 2, 100, 200); trace("bar"); trace("pi", 1, 3.5); }`,
    ),
    traits: [
      new AssemblyScriptEnv({ onTrace: (line, source) => lines.push(`${source.instanceId} ${line}`) }),
      new PluginExports({ run: { params: [], result: "void" } }),
    ],
  });
  try {
    await pool.execute("run");
    assert.deepEqual(lines, ["1 foo 100 200", "1 bar", "1 pi 3.5"]);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: invalid wasm, a missing export, a missing import and a missing runtime fail clearly", async () => {
  const traits = [new AssemblyScriptEnv(), new HandleEvent()] as const;
  await assert.rejects(
    ExecutionContextPool.create({ plugin: new Uint8Array([0, 1, 2, 3]), traits }),
    (error: unknown) => error instanceof PluginLoadError && /invalid WebAssembly plugin/.test(error.message),
  );
  await assert.rejects(
    ExecutionContextPool.create({ plugin: await compileSnippet(`export function other(): void {}`), traits }),
    /does not export the function handleEvent\(bytes\) -> bytes/,
  );
  // A wrong signature is shown as declared and, where that differs, as WebAssembly sees it.
  await assert.rejects(
    ExecutionContextPool.create({
      plugin: await compileSnippet(`export function handleEvent(): i32 { return 0; }`),
      traits,
    }),
    (error: unknown) =>
      error instanceof PluginLoadError &&
      error.message ===
        "the plugin exports handleEvent as () -> i32, but (bytes) -> bytes (in WebAssembly (i32) -> i32) is required",
  );
  await assert.rejects(
    ExecutionContextPool.create({
      plugin: await compileSnippet(`export function testX(): i32 { return 0; }`),
      traits: [new AssemblyScriptEnv(), new PluginExports({ testX: { params: [], result: "void" } })],
    }),
    (error: unknown) =>
      error instanceof PluginLoadError &&
      error.message === "the plugin exports testX as () -> i32, but () -> void is required",
  );
  await assert.rejects(
    ExecutionContextPool.create({
      plugin: await compileSnippet(`
        @external("store", "takeToken") declare function takeToken(scope: string, ttl: i32): i32;
        export function handleEvent(b: ArrayBuffer): ArrayBuffer { takeToken("x", 1); return b; }`),
      traits,
    }),
    /imports store\.takeToken, which none of the traits \(AssemblyScriptEnv, HandleEvent\) provides/,
  );
  await assert.rejects(
    ExecutionContextPool.create({
      plugin: compileRuntimeLess(),
      traits,
    }),
    /does not export the AssemblyScript runtime \(.*__new.*\): build it with --exportRuntime/,
  );
  await assert.rejects(
    ExecutionContextPool.create({ plugin: "/nonexistent/plugin.wasm", traits }),
    /cannot read plugin/,
  );
  await assert.rejects(
    ExecutionContextPool.create({ plugin: new Uint8Array(), traits, concurrency: 0 }),
    (error: unknown) =>
      error instanceof PoolOptionsError && /concurrency must be an integer/.test(error.message),
  );
});

Deno.test("pool: a plugin whose start code fails is rejected with why and where; no worker is left running", async () => {
  const start = async (code: string, traits: Trait[] = []) => {
    const error = await ExecutionContextPool.create({
      plugin: await compileSnippet(
        `${code}\nexport function handleEvent(b: ArrayBuffer): ArrayBuffer { return b; }`,
      ),
      traits: [new AssemblyScriptEnv(), new HandleEvent(), ...traits],
      concurrency: 2,
    }).then((pool) => pool.close(), (error: unknown) => error);
    assert.ok(error instanceof PluginLoadError, String(error));
    return error.message;
  };
  assert.match(
    await start(`if (Date.now() > 0) unreachable();`),
    /^the plugin instance failed to start: its start code trapped: unreachable at .*wasm-function/,
  );
  assert.equal(
    await start(`assert(Date.now() < 0, "bad config");`),
    "the plugin instance failed to start: its start code aborted: bad config at index.ts:1:1",
  );
  // An object from the host cannot reach start code (a debug build's runtime is not set up for it yet).
  const testing = new Testing({
    fixtures: new Map([[1, new Uint8Array([1])]]),
    latestApiRequest: () => undefined,
  });
  assert.equal(
    await start(
      `@external("test", "getFixture") declare function getFixture(n: i32): ArrayBuffer;\nconst f = getFixture(1);`,
      [testing],
    ),
    "the plugin instance failed to start: its start code failed: host function test.getFixture returns an " +
      "object, which start code (top-level statements) cannot receive: call it from an exported function",
  );
});

Deno.test("pool: a busy main thread does not make quick start code look hung", async () => {
  const plugin = await compileSnippet(
    `export function handleEvent(b: ArrayBuffer): ArrayBuffer { return b; }`,
  );
  for (let round = 0; round < 3; round++) {
    let settled = false;
    const creating = ExecutionContextPool.create({
      plugin,
      traits: [new AssemblyScriptEnv(), new HandleEvent()],
      timeout: 100,
    }).finally(() => settled = true);
    // Busy for four timeouts at a time, so the start timer fires late, with "ready" already queued.
    while (!settled) {
      const until = performance.now() + 400;
      while (performance.now() < until) { /* busy */ }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await (await creating).close();
  }
});

Deno.test("pool: a job whose arguments exceed a worker's input fails clearly; the pool goes on", async () => {
  const { pool } = await createPool();
  try {
    const mebibyte = new Uint8Array(1 << 20);
    const results = await pool.batch(
      "handleEvent",
      Array.from({ length: 1025 }, () => [mebibyte] as [Uint8Array]),
    );
    assert.ok(results.every((result) => !result.ok && result.error instanceof MarshallingError));
    assert.match(
      String(!results[0].ok && results[0].error.message),
      /^handleEvent: the arguments of 1025 calls do not fit a worker's input \(encoded values need at least \d+ bytes, more than the 1073741824 allowed\): use smaller batches$/,
    );
    assert.deepEqual(await pool.execute("handleEvent", new Uint8Array([1, 2])), new Uint8Array([1, 2]));
  } finally {
    await pool.close();
  }
});

/** A hand-written module exporting handleEvent and memory but no AssemblyScript runtime. */
function compileRuntimeLess(): Uint8Array {
  // (module (memory (export "memory") 1) (func (export "handleEvent") (param i32) (result i32) local.get 0))
  return new Uint8Array([
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    6,
    1,
    96,
    1,
    127,
    1,
    127,
    3,
    2,
    1,
    0,
    5,
    3,
    1,
    0,
    1,
    7,
    24,
    2,
    6,
    109,
    101,
    109,
    111,
    114,
    121,
    2,
    0,
    11,
    104,
    97,
    110,
    100,
    108,
    101,
    69,
    118,
    101,
    110,
    116,
    0,
    0,
    10,
    6,
    1,
    4,
    0,
    32,
    0,
    11,
  ]);
}

Deno.test("pool: close() rejects queued and later calls; waiting honours an AbortSignal", async () => {
  const { pool } = await createPool();
  const controller = new AbortController();
  const running = pool.execute("guarded");
  const aborted = pool.call("echo", ["never"], { signal: controller.signal });
  controller.abort(new Error("gave up"));
  await assert.rejects(aborted, /gave up/);
  const queued = pool.execute("echo", "queued");
  await pool.close();
  await assert.rejects(running, PoolClosedError);
  await assert.rejects(queued, PoolClosedError);
  await assert.rejects(pool.execute("echo", "late"), PoolClosedError);
});

Deno.test("pool: worker-side code has no permissions (file read and socket fail)", async () => {
  const script = `self.onmessage = async () => {
    const outcome = [];
    try { await Deno.readTextFile("/etc/hostname"); outcome.push("read"); } catch (e) { outcome.push(e.name); }
    try { (await Deno.connect({ hostname: "127.0.0.1", port: 9 })).close(); outcome.push("net"); } catch (e) { outcome.push(e.name); }
    self.postMessage(outcome);
  };`;
  const url = `data:application/javascript,${encodeURIComponent(script)}`;
  const worker = new Worker(url, WORKER_OPTIONS);
  try {
    const outcome = await new Promise((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage(null);
    });
    assert.deepEqual(outcome, ["NotCapable", "NotCapable"]);
  } finally {
    worker.terminate();
  }
});

Deno.test("pool: execute is typed from the traits' declared exports", async () => {
  const { pool } = await createPool();
  try {
    const response: Uint8Array = await pool.execute("handleEvent", new Uint8Array([1]));
    const sum: number = await pool.execute("mix", 1, 2n, 3, true);
    assert.deepEqual([response, sum], [new Uint8Array([1]), 6]);
    // Each of these is rejected by the type checker, and at run time with a clear error.
    // @ts-expect-error: handleEvent takes bytes, not a string
    await assert.rejects(pool.execute("handleEvent", "text"), /handleEvent argument 1 must be of type bytes/);
    // @ts-expect-error: i64 parameters take a bigint
    await assert.rejects(pool.execute("mix", 1, 2, 3, true), /mix argument 2 must be of type i64/);
    // @ts-expect-error: no trait requires this export
    const unknown = pool.execute("nonexistent");
    await assert.rejects(unknown, /nonexistent is not an export required by the pool's traits/);
  } finally {
    await pool.close();
  }
});
