import assert from "node:assert/strict";

/**
 * Runs a timeout scenario in a child process that must exit by itself: it cannot while a terminated
 * worker's thread still runs (Deno does not stop such threads; the pool does), so a hang here fails the test
 * through the kill timer.
 */
async function runChild(
  scenario: "loop" | "batch" | "queued" | "busy" | "start" | "restart" | "withdrawn" | "host",
): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", "tests/pool_timeout_child.ts", scenario],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(code, 0, `the child did not exit by itself: ${new TextDecoder().decode(stderr)}`);
  assert.doesNotMatch(new TextDecoder().decode(stderr), /Uncaught/, "a worker threw an uncaught error");
  const report = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
  // A thread left spinning would burn about 0.5 s of CPU in the child's 0.5 s idle window.
  assert.ok(report.idleCpuSeconds < 0.25, `the child kept using CPU: ${report.idleCpuSeconds} s`);
  return report;
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

Deno.test("timeout: a job queued in the worker behind a hung call is run once elsewhere, not lost", async () => {
  const report = await runChild("queued");
  assert.deepEqual(report.results, [
    0,
    10,
    "TimeoutError: step timed out after 100 ms; its instance was terminated",
    30,
    50,
    60,
    70,
  ]);
  assert.deepEqual((report.hits as number[]).toSorted((a, b) => a - b), [0, 1, 2, 3, 5, 6, 7]);
});

Deno.test("timeout: a replacement instance made while the main thread is busy is still stopped by the timeout", async () => {
  // runChild fails when the child does not exit or keeps burning CPU: a loop the timeout could not reach.
  const report = await runChild("busy");
  assert.deepEqual(report.results, ["PluginAbortError", "TimeoutError"]);
});

Deno.test("timeout: start code that never ends fails the pool's creation, and its thread ends", async () => {
  const report = await runChild("start");
  assert.equal(report.error, "PluginLoadError");
  assert.equal(report.message, "the plugin instance failed to start: its start code ran longer than 100 ms");
});

Deno.test("a replacement instance whose start code aborts ends its worker cleanly; the other calls run elsewhere", async () => {
  const report = await runChild("restart");
  assert.deepEqual(report.results, ["PluginAbortError", 10, 20]);
});

Deno.test("timeout: calls whose signal aborted while they waited in a hung worker are withdrawn, not run", async () => {
  const report = await runChild("withdrawn");
  assert.deepEqual(report.results, [
    "loopFirst timed out after 100 ms; its instance was terminated",
    "gave up",
    "gave up",
  ]);
});

Deno.test("timeout: a call waiting for a host function that never answers times out and its worker ends", async () => {
  const report = await runChild("host");
  assert.equal(report.error, "TimeoutError");
  assert.equal(report.message, "wait timed out after 100 ms; its instance was terminated");
});
