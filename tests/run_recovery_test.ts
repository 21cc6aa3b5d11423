/**
 * `run` as a long-running process with a real plugin: killed with SIGKILL mid-stream and restarted it loses
 * nothing; SIGTERM drains, saves the position and exits 0; two processes sharing one Redis lock a user after
 * their combined failed logins.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SAMPLE_LOG_NAME } from "../fixtures/audit/generate.ts";
import { createTestCertificates, postJsonOverTls } from "./helpers/certs.ts";
import { startRedisServer } from "./helpers/redis.ts";
import {
  CLI,
  countLines,
  plugin,
  QUIET_PASSTHROUGH,
  readJsonLines,
  runCli,
  SAMPLE_AUDIT_LOG,
} from "./run_support.ts";

const SAMPLE_LINES = (await Deno.readTextFile(join(SAMPLE_AUDIT_LOG, SAMPLE_LOG_NAME))).split("\n").filter((
  l,
) => l !== "");

function spawnRun(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", CLI, "run", ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function stderrOf(child: Deno.ChildProcess): Promise<string> {
  return new TextDecoder().decode((await child.output()).stderr);
}

Deno.test("kill -9 mid-stream and restart: every event reaches the sink at least once", async () => {
  const wasm = await plugin("passthrough", QUIET_PASSTHROUGH);
  const dir = await Deno.makeTempDir({ prefix: "run-kill-" });
  try {
    // ~30,000 distinct events (each sample event with its own index), in three log files.
    const input: string[] = [];
    await Deno.mkdir(join(dir, "log"));
    for (let file = 0; file < 3; file++) {
      const lines: string[] = [];
      for (let round = 0; round < 27; round++) {
        for (const line of SAMPLE_LINES) {
          lines.push(line.replace(/^\{"ei":\d+/, `{"ei":${input.length + lines.length}`));
        }
      }
      input.push(...lines);
      await Deno.writeTextFile(join(dir, "log", `2026-11-2${file}.00:00:00.log`), lines.join("\n") + "\n");
    }
    const out = join(dir, "out.jsonl");
    const common = [
      "--plugin",
      wasm,
      "--from",
      `file:${join(dir, "log")}`,
      "--to",
      `file:${out}`,
      "--state-dir",
      join(dir, "state"),
      "--batch-size",
      "200",
      "--status-interval",
      "0",
    ];
    const first = spawnRun(common);
    // A few batches in, so that a position has been saved (acknowledged after the sink wrote them).
    await waitFor("the first delivered batches", async () => await countLines(out) > 1_000);
    first.kill("SIGKILL");
    const killed = await first.status;
    assert.equal(killed.signal, "SIGKILL");
    const deliveredBeforeKill = await countLines(out);
    assert.ok(deliveredBeforeKill < input.length, "killed after the end: nothing was mid-stream");

    const second = await runCli([...common, "--no-follow"]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /resuming/);
    const written = (await Deno.readTextFile(out)).split("\n").filter((line) => line !== "");
    // Resumed from the saved position, not from the start: at most the unacknowledged tail is sent twice.
    assert.ok(written.length < input.length + deliveredBeforeKill, `${written.length} lines written`);
    const output = new Set(written);
    const missing = input.filter((line) => !output.has(line));
    assert.equal(missing.length, 0, `${missing.length} events lost, e.g. ${missing[0]}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM drains, saves the position and exits 0; a restart sends nothing twice", async () => {
  const wasm = await plugin("passthrough", QUIET_PASSTHROUGH);
  const dir = await Deno.makeTempDir({ prefix: "run-sigterm-" });
  try {
    const out = join(dir, "out.jsonl");
    const common = [
      "--plugin",
      wasm,
      "--from",
      `file:${SAMPLE_AUDIT_LOG}`,
      "--to",
      `file:${out}`,
      "--state-dir",
      join(dir, "state"),
      "--status-interval",
      "0",
    ];
    const child = spawnRun(common);
    await waitFor("every sample event", async () => await countLines(out) === SAMPLE_LINES.length);
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = await stderrOf(child);
    assert.equal(status.code, 0, stderr);
    assert.match(stderr, /stopping: delivering events already read/);

    const again = await runCli([...common, "--no-follow"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await countLines(out), SAMPLE_LINES.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two run processes sharing one Redis lock a user after their combined failed logins", async () => {
  const wasm = await plugin("count");
  await using redis = await startRedisServer();
  const dir = await Deno.makeTempDir({ prefix: "run-redis-" });
  try {
    const failed = SAMPLE_LINES.filter((line) => {
      const event = JSON.parse(line);
      return event.event === "user.login" && event.user === "mallory" && event.success === false;
    }).slice(0, 4);
    assert.equal(failed.length, 4);
    // Each process sees two failures: not enough for a lock alone (more than 3 are needed).
    const runs = [0, 1].map(async (n) => {
      const log = join(dir, `log-${n}`);
      await Deno.mkdir(log);
      await Deno.writeTextFile(join(log, SAMPLE_LOG_NAME), failed.slice(n * 2, n * 2 + 2).join("\n") + "\n");
      const locks = join(dir, `locks-${n}.jsonl`);
      const result = await runCli([
        "--plugin",
        wasm,
        "--from",
        `file:${log}`,
        "--to",
        `file:${join(dir, `out-${n}.jsonl`)}`,
        "--state-dir",
        join(dir, `state-${n}`),
        "--no-follow",
        "--status-interval",
        "0",
        "--store",
        redis.spec(),
        "--api",
        `dry-run:${locks}`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      return await readJsonLines(locks);
    });
    const locks = (await Promise.all(runs)).flat();
    assert.equal(locks.length, 1, "exactly the fourth combined failure asks for a lock");
    const lock = locks[0].lock as { spec: { target: unknown } };
    assert.deepEqual(lock.spec.target, { user: "mallory", login: "mallory" });

    // Control: the same two runs with separate (default, per-state-directory) stores ask for no lock.
    for (const n of [0, 1]) {
      const locksFile = join(dir, `separate-locks-${n}.jsonl`);
      const result = await runCli([
        "--plugin",
        wasm,
        "--from",
        `file:${join(dir, `log-${n}`)}`,
        "--to",
        `file:${join(dir, `separate-out-${n}.jsonl`)}`,
        "--state-dir",
        join(dir, `separate-state-${n}`),
        "--no-follow",
        "--status-interval",
        "0",
        "--api",
        `dry-run:${locksFile}`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await readJsonLines(locksFile), []);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("run as an HTTPS receiver for event-handler: mTLS, the plugin, metrics, SIGTERM", async () => {
  const wasm = await plugin("skip");
  await using certs = await createTestCertificates();
  const dir = await Deno.makeTempDir({ prefix: "run-receiver-" });
  const [port, metricsPort] = [freePort(), freePort()];
  const out = join(dir, "out.jsonl");
  const child = spawnRun([
    "--plugin",
    wasm,
    "--from",
    `https://127.0.0.1:${port}`,
    "--from-tls-cert",
    certs.serverCert,
    "--from-tls-key",
    certs.serverKey,
    "--from-tls-ca",
    certs.caCert,
    "--to",
    `file:${out}`,
    "--state-dir",
    join(dir, "state"),
    "--metrics",
    `127.0.0.1:${metricsPort}`,
    "--status-interval",
    "0",
  ]);
  const post = (body: string, cert = certs.clientCert, key = certs.clientKey) =>
    postJsonOverTls(`https://localhost:${port}/teleport.log`, body, certs.caCert, { cert, key });
  try {
    const [alice, santa] = [
      SAMPLE_LINES.find((line) => JSON.parse(line).event === "user.login")!,
      SAMPLE_LINES.find((line) => JSON.parse(line).login === "secret-santa")!,
    ];
    await waitFor("the receiver", async () => await post(alice).then(() => true, () => false));
    assert.equal(await post(santa), 200);
    await assert.rejects(post(alice, certs.foreignClientCert, certs.foreignClientKey));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^tpf_pipeline_events_in_total 2$/m);
    assert.match(metrics, /^tpf_pipeline_events_dropped_total 1$/m);
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    // 200 was answered only once the event was delivered: it is in the file.
    assert.deepEqual((await Deno.readTextFile(out)).split("\n").filter((l) => l !== ""), [alice]);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.stderr.cancel().catch(() => {});
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
