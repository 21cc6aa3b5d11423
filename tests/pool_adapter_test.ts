/**
 * Adapter exports: JavaScript that a trait's worker script runs next to the plugin. Here the `EventLines`
 * trait's `handleEventLine` runs in real workers around a real AssemblyScript plugin: Teleport JSON lines in,
 * outcomes out, with the plugin's faults failing only their own call, and `text` kept to adapters.
 */
import assert from "node:assert/strict";
import {
  AdapterError,
  ExecutionContextPool,
  PluginAbortError,
  PoolOptionsError,
  TimeoutError,
  type Trait,
} from "../lib/pool/mod.ts";
import { bundleWorker } from "../lib/dist/worker_bundle.ts";
import { decodeOutcome } from "../lib/run/outcome.ts";
import { AssemblyScriptEnv, EventLines, PluginExports } from "../traits/mod.ts";
import { compileSnippet } from "./helpers/assemblyscript.ts";

/**
 * A passthrough `handleEvent` written on the wire format: the request is `0a <len> <event>`, the response
 * `08 01 1a <len> <event>` (Success, Event). It drops events mentioning "dropme", aborts on "mallory" and
 * never returns on "forever".
 */
const PLUGIN = `
function mentions(bytes: Uint8Array, word: string): bool {
  const text = String.UTF8.encode(word);
  const needle = Uint8Array.wrap(text);
  for (let i = 0; i + needle.length <= bytes.length; i++) {
    let j = 0;
    while (j < needle.length && bytes[i + j] == needle[j]) j++;
    if (j == needle.length) return true;
  }
  return false;
}

export function handleEvent(request: ArrayBuffer): ArrayBuffer {
  const bytes = Uint8Array.wrap(request);
  if (mentions(bytes, "mallory")) abort("mallory is not welcome");
  if (mentions(bytes, "forever")) while (true) {}
  const response = new Uint8Array(mentions(bytes, "dropme") ? 2 : bytes.length + 2);
  response[0] = 0x08;
  response[1] = 0x01;
  if (response.length > 2) {
    response.set(bytes, 2);
    response[2] = 0x1a;
  }
  return response.buffer;
}
`;

const binary = await compileSnippet(PLUGIN);

function login(user: string): string {
  return `{"event":"user.login","code":"T1000I","time":"2026-11-29T10:00:00Z","user":"${user}","success":true}`;
}

Deno.test("adapter: JSON lines go through the plugin in the workers and come back as outcomes", async () => {
  const pool = await ExecutionContextPool.create({
    plugin: binary,
    traits: [new AssemblyScriptEnv(), new EventLines()] as const,
    concurrency: 2,
    timeout: 2_000,
  });
  try {
    // Typed from the trait: a string in, a string out.
    const one: string = await pool.execute("handleEventLine", login("zoë 🙂"));
    assert.deepEqual(decodeOutcome(one), { kind: "forward" });
    const lines = [login("alice"), login("dropme"), "{nope", login("mallory"), login("bob"), "[]"];
    const results = await pool.batch("handleEventLine", lines.map((line) => [line] as [string]));
    assert.deepEqual(results[0].ok && decodeOutcome(results[0].value), { kind: "forward" });
    assert.deepEqual(results[1].ok && decodeOutcome(results[1].value), { kind: "drop" });
    assert.equal(results[2].ok && decodeOutcome(results[2].value).kind, "malformed");
    assert.ok(!results[3].ok && results[3].error instanceof PluginAbortError);
    assert.match(String(!results[3].ok && results[3].error.message), /mallory is not welcome/);
    // The instance that aborted was replaced; the rest of the batch still ran.
    assert.deepEqual(results[4].ok && decodeOutcome(results[4].value), { kind: "forward" });
    assert.deepEqual(results[5].ok && decodeOutcome(results[5].value), {
      kind: "malformed",
      message: "not a JSON object: array",
    });
  } finally {
    await pool.close();
  }
});

Deno.test("adapter: a plugin looping inside an adapter call times out alone", async () => {
  const pool = await ExecutionContextPool.create({
    plugin: binary,
    traits: [new AssemblyScriptEnv(), new EventLines()] as const,
    timeout: 200,
  });
  try {
    const results = await pool.batch("handleEventLine", [[login("a")], [login("forever")], [login("b")]]);
    assert.ok(results[0].ok && results[2].ok);
    assert.ok(!results[1].ok && results[1].error instanceof TimeoutError);
    assert.match(String(!results[1].ok && results[1].error.message), /handleEventLine/);
  } finally {
    await pool.close();
  }
});

Deno.test("adapter: text is refused outside adapter exports, and adapters need a worker script", async () => {
  await assert.rejects(
    ExecutionContextPool.create({
      plugin: binary,
      traits: [new PluginExports({ handleEvent: { params: ["text"], result: "bytes" } })],
    }),
    (error) =>
      error instanceof PoolOptionsError &&
      error.message === "export handleEvent uses the type text, which only adapter exports can use",
  );
  const scriptless: Trait = {
    name: "Scriptless",
    hostFunctions: [],
    requiredExports: {},
    adapterExports: { shout: { params: ["text"], result: "text", adapter: "shout" } },
  };
  await assert.rejects(
    ExecutionContextPool.create({ plugin: binary, traits: [new AssemblyScriptEnv(), scriptless] }),
    (error) =>
      error instanceof PoolOptionsError &&
      error.message === "the Scriptless trait declares adapter exports but no worker script",
  );
  const unknownAdapter: Trait = {
    ...scriptless,
    workerScript: new EventLines().workerScript,
  };
  await assert.rejects(
    ExecutionContextPool.create({ plugin: binary, traits: [new AssemblyScriptEnv(), unknownAdapter] }),
    /this worker script has no adapter shout \(for export shout\)/,
  );
});

Deno.test("adapter: an adapter's own fault fails its call alone and keeps the instance; a plugin fault it swallows does not", async () => {
  const text = { params: [], result: "text" } as const;
  const misbehaving: Trait = {
    name: "Misbehaving",
    hostFunctions: [],
    requiredExports: { count: { params: [], result: "i32" }, bad: { params: [], result: "void" } },
    adapterExports: {
      counted: { ...text, adapter: "test.count" },
      throws: { ...text, adapter: "test.throws" },
      wrongType: { ...text, adapter: "test.wrongType" },
      swallow: { ...text, adapter: "test.swallow" },
    },
    workerScript: {
      name: "test adapters",
      source: await bundleWorker("tests/fixtures/pool/adapter_worker_entry.ts"),
    },
  };
  const pool = await ExecutionContextPool.create({
    plugin: await compileSnippet(`
      let calls = 0;
      export function count(): i32 { return ++calls; }
      export function bad(): void { abort("bad"); }
    `),
    traits: [new AssemblyScriptEnv(), misbehaving],
  });
  try {
    const run = async (name: string) => {
      const [result] = await pool.batch(name as never, [[]] as never);
      return result.ok ? result.value : result.error;
    };
    assert.equal(await run("counted"), "1");
    const thrown = await run("throws");
    assert.ok(thrown instanceof AdapterError, String(thrown));
    assert.equal((thrown as Error).message, "adapter export throws failed: adapter bug");
    const wrong = await run("wrongType");
    assert.ok(wrong instanceof AdapterError, String(wrong));
    assert.match((wrong as Error).message, /result of adapter export wrongType must be a string/);
    // The same instance: its counter went on.
    assert.equal(await run("counted"), "2");
    // The plugin aborted inside the adapter, which went on regardless: its result stands...
    assert.equal(await run("swallow"), "3");
    // ...but the instance was replaced: a fresh counter.
    assert.equal(await run("counted"), "1");
  } finally {
    await pool.close();
  }
});
