/**
 * Plugin tests as their authors rely on them: every test starts from an empty token store even on a
 * persistent one (Deno KV, a real redis-server) and leaves nothing behind; failures inside AssemblyScript's
 * standard library are located in the author's code; `getLatestAPIRequest()` is null when no request was
 * made. Real asc builds of scaffolded projects.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { ExampleName } from "../boilerplate/mod.ts";
import { createPluginProject } from "../lib/scaffold/project.ts";
import { runPluginTests } from "../lib/testing/runner.ts";
import { formatTestResult, type TestRunSummary } from "../lib/testing/results.ts";
import { openTokenStore } from "../lib/store/open.ts";
import { startRedisServer } from "./helpers/redis.ts";

async function withProject(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
  example: ExampleName = "passthrough",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plugin-review-testing-" });
  try {
    await createPluginProject({ dir, example });
    await Deno.remove(join(dir, "assembly/event_handler.test.ts"));
    for (const [path, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, path), text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function failures(summary: TestRunSummary): Record<string, string> {
  return Object.fromEntries(
    summary.results.filter((r) => r.failure).map((
      r,
    ) => [r.name, `${r.failure?.message} at ${r.failure?.location}`]),
  );
}

const TWO_TESTS_COUNTING_ONE_SCOPE = `import { takeToken } from '../vendor/store';

export function testFirst(): void {
    const count = takeToken("scope-x", 300);
    assert(count == 1, "got count " + count.toString());
}

export function testSecond(): void {
    const count = takeToken("scope-x", 300);
    assert(count == 1, "got count " + count.toString());
}
`;

Deno.test("test --store kv: gives every test, in every run, an empty store and leaves the file as it was", async () => {
  await withProject({ "assembly/store.test.ts": TWO_TESTS_COUNTING_ONE_SCOPE }, async (dir) => {
    const path = join(dir, "tokens.kv");
    // A token the plugin took in production, in the same scope the tests use.
    const production = await openTokenStore(`kv:${path}`);
    assert.equal(await production.takeToken("scope-x", 300), 1);
    await production.close();

    for (const run of [1, 2]) {
      const summary = await runPluginTests({ projectDir: dir, store: `kv:${path}`, buildCache: run === 2 });
      assert.deepEqual(failures(summary), {}, `run ${run}`);
      assert.equal(summary.passed, 2);
    }

    const kv = await Deno.openKv(path);
    try {
      const scopes = new Set<unknown>();
      for await (const entry of kv.list({ prefix: [] })) scopes.add(entry.key[1]);
      assert.deepEqual([...scopes], ["scope-x"], "only the production token is left");
    } finally {
      kv.close();
    }
    const after = await openTokenStore(`kv:${path}`);
    assert.equal(await after.takeToken("scope-x", 300), 2, "the production count is untouched");
    await after.close();
  });
});

Deno.test("test --store redis:// gives every test an empty namespace and deletes what the tests created", async () => {
  await using server = await startRedisServer();
  const raw = new Redis({ host: "127.0.0.1", port: server.port, db: 3 });
  try {
    const production = await openTokenStore(server.spec(3));
    assert.equal(await production.takeToken("scope-x", 300), 1);
    await production.close();
    const before = await raw.keys("*");

    await withProject({ "assembly/store.test.ts": TWO_TESTS_COUNTING_ONE_SCOPE }, async (dir) => {
      for (const run of [1, 2]) {
        const summary = await runPluginTests({ projectDir: dir, store: server.spec(3), concurrency: 2 });
        assert.deepEqual(failures(summary), {}, `run ${run}`);
        assert.equal(summary.passed, 2);
      }
    });

    assert.deepEqual(await raw.keys("*"), before, "only the production key is left");
    assert.equal(await raw.zcard(before[0]), 1, "the production count is untouched");
  } finally {
    await raw.quit();
  }
});

const API_REQUEST_TESTS =
  `import { getFixtureAsHandleEventRequest, getLatestAPIRequest } from '../vendor/test';
import { types } from '../vendor/teleport';
import { handleEvent } from './index';

export function testNoRequestIsNull(): void {
    assert(getLatestAPIRequest() == null, "expected no API request");
}

export function testTutorialAssertFailsWithoutALock(): void {
    handleEvent(getFixtureAsHandleEventRequest(4));
    const apiRequest = getLatestAPIRequest()
    assert(apiRequest != null, "API request is missing")
    types.LockV2.decode(apiRequest)
}

export function testTutorialAssertPassesAfterALock(): void {
    const request = getFixtureAsHandleEventRequest(4)
    for (let i = 0; i < 4; i++) handleEvent(request)
    const apiRequest = getLatestAPIRequest()
    assert(apiRequest != null, "API request is missing")
    const lock = types.LockV2.decode(apiRequest)
    assert(lock.Spec.Target.Login == "foo", "wrong lock target " + lock.Spec.Target.Login)
}
`;

Deno.test("getLatestAPIRequest() is null before any request, so the tutorial's assert reports a missing lock", async () => {
  await withProject({ "assembly/api.test.ts": API_REQUEST_TESTS }, async (dir) => {
    const summary = await runPluginTests({ projectDir: dir });
    assert.deepEqual(failures(summary), {
      testTutorialAssertFailsWithoutALock: "API request is missing at assembly/api.test.ts:12:5",
    });
    assert.equal(summary.passed, 2);
  }, "count");
});

const STANDARD_LIBRARY_FAILURES = `import { thirdItem } from './lookup';

export function testIndexPastTheEndInPluginCode(): void {
    thirdItem([1, 2]);
}

export function testOwnAssertKeepsItsLine(): void {
    assert(thirdItem([1, 2, 3]) == 4, "third item is " + thirdItem([1, 2, 3]).toString());
}

export function testTrapInOwnCode(): void {
    unreachable();
}
`;

const LOOKUP = `// Plugin code a test calls.
export function thirdItem(values: i32[]): i32 {
    const index = 2;
    return values[index];
}
`;

Deno.test("an error raised in AssemblyScript's standard library is shown at the plugin's line that led there", async () => {
  await withProject(
    { "assembly/lookup.ts": LOOKUP, "assembly/library.test.ts": STANDARD_LIBRARY_FAILURES },
    async (dir) => {
      const summary = await runPluginTests({ projectDir: dir });
      const byName = Object.fromEntries(summary.results.map((r) => [r.name, r.failure]));
      const pastTheEnd = byName.testIndexPastTheEndInPluginCode;
      assert.equal(pastTheEnd?.kind, "assert");
      assert.equal(pastTheEnd?.message, "Index out of range");
      assert.equal(pastTheEnd?.location, "assembly/lookup.ts:4:12");
      assert.match(pastTheEnd?.libraryLocation ?? "", /^~lib\/array\.ts:\d+:\d+$/);
      const result = summary.results.find((r) => r.name === "testIndexPastTheEndInPluginCode")!;
      assert.equal(
        formatTestResult(result).at(-1),
        `        at assembly/lookup.ts:4:12 (in ${pastTheEnd?.libraryLocation})`,
      );
      assert.deepEqual(byName.testOwnAssertKeepsItsLine, {
        kind: "assert",
        message: "third item is 3",
        location: "assembly/library.test.ts:8:5",
      });
      assert.equal(byName.testTrapInOwnCode?.kind, "trap");
      assert.match(byName.testTrapInOwnCode?.location ?? "", /^assembly\/library\.test\.ts:12:\d+$/);
      assert.equal(byName.testTrapInOwnCode?.libraryLocation, undefined);
    },
  );
});

Deno.test("the modify tutorial without its fields.set line fails at the test's Map#get, not in ~lib/map.ts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plugin-review-testing-" });
  try {
    await createPluginProject({ dir, example: "modify" });
    const handler = join(dir, "assembly/event_handler.ts");
    const source = await Deno.readTextFile(handler);
    const withoutSet = source.replace(/^.*fields\.set\("seen-by-us".*\n/m, "");
    assert.notEqual(withoutSet, source, "the tutorial sets the annotation");
    await Deno.writeTextFile(handler, withoutSet);

    const summary = await runPluginTests({ projectDir: dir });
    const failure = summary.results[0].failure;
    assert.equal(failure?.message, "Key does not exist");
    assert.match(failure?.location ?? "", /^assembly\/event_handler\.test\.ts:13:\d+$/);
    assert.match(failure?.libraryLocation ?? "", /^~lib\/map\.ts:\d+:\d+$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a test that allocates without end fails at the memory limit, long before its time limit", async () => {
  await withProject({
    "assembly/hog.test.ts": `export function testHog(): void {
    const chunks = new Array<ArrayBuffer>();
    while (true) chunks.push(new ArrayBuffer(1024 * 1024));
}

export function testSmall(): void {
    const chunk = new ArrayBuffer(1024 * 1024);
    assert(chunk.byteLength == 1024 * 1024);
}
`,
  }, async (dir) => {
    const summary = await runPluginTests({
      projectDir: dir,
      memoryLimitBytes: 16 * 1024 * 1024,
      timeoutMs: 60_000,
    });
    assert.deepEqual(failures(summary), {
      testHog: "testHog failed: memory limit 16777216 bytes (256 pages) exceeded at undefined",
    });
  });
});
