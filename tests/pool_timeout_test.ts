import assert from "node:assert/strict";

async function runChild(scenario: "loop" | "batch"): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", "tests/pool_timeout_child.ts", scenario],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

Deno.test("timeout: an endless loop is stopped within timeout + 50 ms and the next call is served at once", async () => {
  const report = await runChild("loop");
  assert.equal(report.error, "TimeoutError");
  assert.equal(report.message, "spin timed out after 100 ms; its instance was terminated");
  const rejectedAfter = report.rejectedAfter as number;
  assert.ok(rejectedAfter >= 100, `rejected too early: ${rejectedAfter} ms`);
  assert.ok(rejectedAfter <= 150, `rejected after ${rejectedAfter} ms, more than timeout + 50 ms`);
  assert.equal(report.next, "next");
  // Served by the warm spare: no worker start (~12 ms and more under load) in the way.
  assert.ok((report.nextAfter as number) < 100, `next call took ${report.nextAfter} ms`);
});

Deno.test("timeout: in a batch only the hung call fails; the rest completes once each, never re-run", async () => {
  const report = await runChild("batch");
  assert.deepEqual(report.results, [
    0,
    10,
    "TimeoutError: step timed out after 100 ms; its instance was terminated",
    30,
    40,
  ]);
  assert.deepEqual(report.hits, [0, 1, 2, 3, 4]);
});
