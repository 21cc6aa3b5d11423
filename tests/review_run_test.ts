/**
 * Review findings on `run`, checked end to end with real child processes and real plugin builds: one run per
 * state directory (a killed holder leaves no stale lock), a second SIGTERM stops at once while the sink is
 * down without losing events, a state directory that cannot be created names its flag or key, a very short
 * timeout is warned about, and a failure hitting every event is logged once with a summary of its repeats.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RepeatCollapser } from "../lib/pipeline/repeats.ts";
import { plugin, runCli } from "./run_support.ts";

/** `count` lines of one event type; `fields(i)` adds to the i-th. */
async function writeLog(dir: string, count: number, fields: (i: number) => Record<string, unknown>) {
  await Deno.mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ ei: i, event: "user.login", time: "2026-11-20T07:58:14Z", ...fields(i) }));
  }
  await Deno.writeTextFile(join(dir, "2026-11-20.00:00:00.log"), lines.join("\n") + "\n");
}

async function countLines(path: string): Promise<number> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter((line) => line !== "").length;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

Deno.test("a failure hitting every event is logged once, then its repeats as one summary line", async () => {
  // The count example takes a token per failed login's user: an empty login makes every call fail.
  const wasm = await plugin("count");
  const dir = await Deno.makeTempDir({ prefix: "review-run-repeats-" });
  try {
    await writeLog(join(dir, "log"), 2000, () => ({ user: "", success: false, method: "local" }));
    const ran = await runCli([
      "--plugin",
      wasm,
      "--store",
      "memory",
      "--from",
      `file:${join(dir, "log")}`,
      "--no-follow",
      "--state-dir",
      join(dir, "state"),
      "--to",
      `file:${join(dir, "out.jsonl")}`,
      "--status-interval",
      "0",
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const failures = ran.stderr.split("\n").filter((line) =>
      line.includes("scope must be a non-empty string")
    );
    assert.equal(failures.length, 2, ran.stderr);
    assert.match(failures[0], /processing failed at \{"file":"2026-11-20\.00:00:00\.log","offset":\d+\}/);
    assert.match(failures[1], /\.\.\. and 1999 more processing failures like it in the last \d+ s/);
    assert.match(ran.stderr, /errors=2000 /);
    assert.equal(await countLines(join(dir, "out.jsonl")), 2000, "forward-original keeps every event");

    // Malformed lines likewise.
    await Deno.writeTextFile(join(dir, "log", "2026-11-20.00:00:00.log"), "not json\n".repeat(300));
    const malformed = await runCli([
      "--no-plugin",
      "--from",
      `file:${join(dir, "log")}`,
      "--no-follow",
      "--state-dir",
      join(dir, "state-2"),
      "--to",
      `file:${join(dir, "out-2.jsonl")}`,
      "--status-interval",
      "0",
    ]);
    assert.equal(malformed.code, 0, malformed.stderr);
    const lines = malformed.stderr.split("\n").filter((line) => line.includes("malformed"));
    assert.equal(lines.length, 3, malformed.stderr); // first, summary, final status
    assert.match(lines[1], /\.\.\. and 299 more malformed lines like it in the last \d+ s/);
    assert.match(lines[2], /malformed=300 /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RepeatCollapser: each message once in full, then exact counts of its repeats", () => {
  const lines: string[] = [];
  const repeats = new RepeatCollapser<number>(60_000, {
    first: (message, position) => lines.push(`${message} at ${position}`),
    repeated: (message, count) => lines.push(`${count} more: ${message}`),
  });
  for (let i = 0; i < 5; i++) repeats.report("empty scope", i);
  repeats.report("timed out", 5);
  repeats.report("empty scope", 6);
  repeats.close();
  assert.deepEqual(lines, ["empty scope at 0", "timed out at 5", "5 more: empty scope"]);
  repeats.report("empty scope", 7);
  repeats.close();
  assert.deepEqual(lines.slice(3), ["empty scope at 7"], "a closed collapser starts afresh");
});
