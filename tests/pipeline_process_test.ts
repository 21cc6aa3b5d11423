import assert from "node:assert/strict";
import { makeEvents, waitFor } from "./helpers/pipeline_memory.ts";

const HARNESS = new URL("./helpers/pipeline_main.ts", import.meta.url).pathname;

function spawnPipeline(dir: string, extra: string[] = []): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      HARNESS,
      `--from=file:${dir}/log`,
      `--to=file:${dir}/out.jsonl`,
      `--state=${dir}/state`,
      "--max-batch=50",
      ...extra,
    ],
    // Logs go to stderr (warnings) and stdout (info, through LogTape's console sink); the sink is a file.
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function writeLog(dir: string, files: number, perFile: number): Promise<Set<string>> {
  await Deno.mkdir(`${dir}/log`);
  const ids = new Set<string>();
  for (let f = 0; f < files; f++) {
    const events = makeEvents(perFile, `f${f}-`, 300);
    for (const line of events) ids.add(JSON.parse(line).id);
    await Deno.writeTextFile(`${dir}/log/2026-01-0${f + 1}.00:00:00.log`, events.join("\n") + "\n");
  }
  return ids;
}

async function outputIds(dir: string): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(`${dir}/out.jsonl`);
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l).id);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Waits for the child and returns its exit code and everything it logged. */
async function finish(
  child: Deno.ChildProcess,
): Promise<{ code: number; signal: Deno.Signal | null; log: string }> {
  const { code, signal, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, signal, log: decoder.decode(stdout) + decoder.decode(stderr) };
}

Deno.test("killed with SIGKILL mid-stream and restarted, every event reaches the sink at least once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ids = await writeLog(dir, 3, 4000);
    // The slow processor keeps events in flight, so the kill lands between reads, writes and position saves.
    const first = spawnPipeline(dir, ["--processor=slow"]);
    await waitFor(async () => (await outputIds(dir)).length >= 2000, "some events delivered before the kill");
    first.kill("SIGKILL");
    assert.equal((await finish(first)).signal, "SIGKILL");
    const beforeRestart = (await outputIds(dir)).length;
    assert.ok(beforeRestart < ids.size, "the kill happened mid-stream");

    const restarted = await finish(spawnPipeline(dir, ["--no-follow"]));
    assert.equal(restarted.code, 0, restarted.log);
    assert.match(restarted.log, /resuming .* at 2026-01-0\d\.00:00:00\.log offset \d+/);
    const delivered = new Set(await outputIds(dir));
    const missing = [...ids].filter((id) => !delivered.has(id));
    assert.deepEqual(missing, [], "no event lost");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM drains in-flight events, saves the position and exits 0: a restart sends no duplicate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ids = await writeLog(dir, 2, 3000);
    const first = spawnPipeline(dir, ["--processor=slow"]);
    await waitFor(
      async () => (await outputIds(dir)).length >= 1000,
      "some events delivered before the signal",
    );
    first.kill("SIGTERM");
    const { code, log } = await finish(first);
    assert.equal(code, 0, log);
    assert.match(log, /stopping: delivering events already read/);
    assert.match(log, /finished in .* s: in=\d+ out=\d+/);
    const afterStop = await outputIds(dir);
    assert.ok(afterStop.length < ids.size, "the signal arrived mid-stream");

    const restarted = await finish(spawnPipeline(dir, ["--no-follow"]));
    assert.equal(restarted.code, 0, restarted.log);
    const delivered = await outputIds(dir);
    assert.equal(delivered.length, ids.size, "exactly once across a graceful stop");
    assert.deepEqual(new Set(delivered), ids);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
