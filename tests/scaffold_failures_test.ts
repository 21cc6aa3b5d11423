/**
 * What a plugin author sees when tests go wrong: a failed assert (message and AssemblyScript file:line),
 * a trap, a test that loops forever (stopped at the timeout), a compile error (asc's diagnostics) and a bad
 * fixture (file and field path, nothing runs). One project with several test functions is compiled once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileAssemblyScript, CompileError } from "../lib/asc/compiler.ts";
import { FixtureError } from "../lib/proto/fixture_json.ts";
import { EXAMPLES } from "../boilerplate/mod.ts";
import { createPluginProject } from "../lib/scaffold/project.ts";
import { runPluginTests } from "../lib/testing/runner.ts";
import type { TestEvent, TestResult } from "../lib/testing/results.ts";

const OUTCOMES_TEST = `import { getFixtureAsHandleEventRequest } from '../vendor/test';
import { plugin } from '../vendor/teleport';
import { handleEvent } from './index';

export function testPasses(): void {
    const response = plugin.HandleEventResponse.decode(handleEvent(getFixtureAsHandleEventRequest(1)));
    assert(response.Success, "not successful");
}

export function testFailsAnAssert(): void {
    const response = plugin.HandleEventResponse.decode(handleEvent(getFixtureAsHandleEventRequest(1)));
    assert(response.Event.type == "UserLogin", "expected a login, got " + response.Event.type);
}

export function testTraps(): void {
    unreachable();
}

export function testLoopsForever(): void {
    let n = 0;
    while (true) { n++; }
}

export function testNeedsAMissingFixture(): void {
    getFixtureAsHandleEventRequest(42);
}

export function helperThatIsNotATest(): void {}

export function testTrapsInALoop(): void {
    for (let i = 0; i < 3; i++) {
        if (i == 2) unreachable();
    }
}
`;

async function withProject(
  fn: (dir: string) => Promise<void>,
  files: Record<string, string> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plugin-failures-" });
  try {
    await createPluginProject({ dir, example: "passthrough" });
    for (const [path, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, path), text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("each test function gets its own result: assert, traps, endless loop, missing fixture", async () => {
  await withProject(async (dir) => {
    const finished: TestResult[] = [];
    const started = performance.now();
    const summary = await runPluginTests({
      projectDir: dir,
      timeoutMs: 1000,
      concurrency: 2,
      onEvent: (e: TestEvent) => e.kind === "finished" && finished.push(e.result),
    });
    const byName = Object.fromEntries(summary.results.map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(byName).sort(), [
      "testFailsAnAssert",
      "testLoopsForever",
      "testNeedsAMissingFixture",
      "testPasses",
      "testTraps",
      "testTrapsInALoop",
    ]);
    assert.equal(finished.length, 6, "every result is reported as it finishes");
    assert.equal(summary.passed, 1);
    assert.equal(summary.failed, 5);
    assert.equal(byName.testPasses.failure, undefined);
    assert.deepEqual(byName.testFailsAnAssert.failure, {
      kind: "assert",
      message: "expected a login, got UserCreate",
      location: "assembly/event_handler.test.ts:12:5",
    });
    assert.equal(byName.testTraps.failure?.kind, "trap");
    assert.match(byName.testTraps.failure?.message ?? "", /unreachable/);
    assert.match(byName.testTraps.failure?.location ?? "", /^assembly\/event_handler\.test\.ts:16:\d+$/);
    // The pool inserts interrupt checks into loops; the location still points at the original source.
    assert.match(
      byName.testTrapsInALoop.failure?.location ?? "",
      /^assembly\/event_handler\.test\.ts:32:21$/,
    );
    assert.equal(byName.testLoopsForever.failure?.kind, "timeout");
    assert.match(byName.testLoopsForever.failure?.message ?? "", /timed out after 1000 ms/);
    assert.equal(byName.testNeedsAMissingFixture.failure?.kind, "error");
    assert.match(byName.testNeedsAMissingFixture.failure?.message ?? "", /fixture 42 does not exist/);
    // Generous bound: the endless loop must not hold the run much past its timeout.
    assert.ok(performance.now() - started - summary.compileMillis < 30_000);
  }, { "assembly/event_handler.test.ts": OUTCOMES_TEST });
});

Deno.test("-b runs the tests a prebuilt .wasm exports, with the same reporting", async () => {
  await withProject(async (dir) => {
    const { binary } = await compileAssemblyScript({
      entries: ["assembly/event_handler.test.ts"],
      baseDir: dir,
      target: "debug",
    });
    const wasm = join(dir, "tests.wasm");
    await Deno.writeFile(wasm, binary);
    const summary = await runPluginTests({ projectDir: dir, prebuiltWasm: wasm });
    assert.deepEqual(summary.results.map((r) => [r.file, r.name, r.failure]), [
      [wasm, "testPasses", undefined],
      [wasm, "testFailsAnAssert", {
        kind: "assert",
        message: "expected a login, got UserCreate",
        location: "assembly/event_handler.test.ts:12:5",
      }],
    ]);
  }, {
    "assembly/event_handler.test.ts": OUTCOMES_TEST.slice(
      0,
      OUTCOMES_TEST.indexOf("export function testTraps"),
    ),
  });
});

Deno.test("a README test against the wrong plugin fails with the README's assert message", async () => {
  // The `skip` tutorial's test expects secret-santa's login to be dropped; the passthrough plugin keeps it.
  await withProject(async (dir) => {
    const summary = await runPluginTests({ projectDir: dir });
    assert.equal(summary.failed, 1);
    assert.equal(summary.results[0].failure?.message, "Event was not rejected");
    assert.match(summary.results[0].failure?.location ?? "", /^assembly\/event_handler\.test\.ts:\d+:\d+$/);
  }, { "assembly/event_handler.test.ts": EXAMPLES.skip.test });
});

Deno.test("a compile error rejects with asc's diagnostics naming file and line; no test runs", async () => {
  await withProject(async (dir) => {
    const events: TestEvent[] = [];
    try {
      await runPluginTests({ projectDir: dir, onEvent: (e) => events.push(e) });
      assert.fail("expected a compile error");
    } catch (e) {
      assert.ok(e instanceof CompileError);
      assert.match(e.diagnostics, /ERROR/);
      assert.match(e.diagnostics, /in assembly\/event_handler\.ts\(3,5\)/);
      assert.match(e.diagnostics, /notAFunction/);
    }
    assert.deepEqual(events, []);
  }, {
    "assembly/event_handler.ts": `import { plugin } from '../vendor/teleport';
export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    notAFunction();
    return new plugin.HandleEventResponse();
}
`,
  });
});

Deno.test("a bad fixture is reported by file and field path before anything compiles or runs", async () => {
  await withProject(async (dir) => {
    const path = join(dir, "fixtures", "2-secret-santa-login.json");
    const fixture = JSON.parse(await Deno.readTextFile(path));
    fixture.data.UserLogin.Status.Success = "yes";
    await Deno.writeTextFile(path, JSON.stringify(fixture));
    const events: TestEvent[] = [];
    await assert.rejects(
      runPluginTests({ projectDir: dir, onEvent: (e) => events.push(e) }),
      (e: unknown) => {
        assert.ok(e instanceof FixtureError);
        assert.match(e.message, /2-secret-santa-login\.json/);
        assert.match(e.message, /data\.UserLogin\.Status\.Success/);
        return true;
      },
    );
    assert.deepEqual(events, [], "nothing was compiled or run");
  });
});
