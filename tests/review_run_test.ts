/**
 * Review findings on `run`, checked end to end with real child processes and real plugin builds: one run per
 * state directory (a killed holder leaves no stale lock), a second SIGTERM stops at once while the sink is
 * down without losing events, a state directory that cannot be created names its flag or key, a very short
 * timeout is warned about, and a failure hitting every event is logged once with a summary of its repeats.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RepeatCollapser } from "../lib/pipeline/repeats.ts";
import { configValues } from "../lib/run/config.ts";
import { resolveRunSettings } from "../lib/run/settings.ts";
import { CLI, countLines, plugin, QUIET_PASSTHROUGH, runCli } from "./run_support.ts";

/** `count` lines of one event type; `fields(i)` adds to the i-th. */
async function writeLog(dir: string, count: number, fields: (i: number) => Record<string, unknown>) {
  await Deno.mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ ei: i, event: "user.login", time: "2026-11-20T07:58:14Z", ...fields(i) }));
  }
  await Deno.writeTextFile(join(dir, "2026-11-20.00:00:00.log"), lines.join("\n") + "\n");
}

/** A `run` child whose stderr is collected as it comes. */
class RunProcess {
  readonly child: Deno.ChildProcess;
  stderr = "";
  readonly #reading: Promise<void>;

  constructor(args: string[]) {
    const child = this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", CLI, "run", ...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#reading = (async () => {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) this.stderr += text;
    })();
  }

  /** Waits until `condition` holds (or the process ends, which fails). */
  async waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
    let ended = false;
    this.child.status.then(() => ended = true);
    const deadline = Date.now() + 60_000;
    while (!(await condition())) {
      if (ended || Date.now() > deadline) throw new Error(`no ${what}; stderr:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async finished(): Promise<Deno.CommandStatus> {
    const status = await this.child.status;
    await this.#reading;
    return status;
  }
}

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

Deno.test("a second run on the same state directory is refused; a holder killed with -9 leaves no stale lock", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-run-lock-" });
  try {
    await writeLog(join(dir, "log"), 500, (i) => ({ user: `user-${i}` }));
    const state = join(dir, "state");
    const common = ["--no-plugin", "--from", `file:${join(dir, "log")}`, "--state-dir", state];
    const common2 = ["--status-interval", "0"];
    // The holder follows the log, so it keeps running (and holding the state directory).
    const holder = new RunProcess([...common, ...common2, "--to", `file:${join(dir, "a.jsonl")}`]);
    try {
      await holder.waitFor(
        "delivery by the holder",
        async () => await countLines(join(dir, "a.jsonl")) === 500,
      );

      const second = await runCli([
        ...common,
        ...common2,
        "--no-follow",
        "--to",
        `file:${join(dir, "b.jsonl")}`,
      ]);
      assert.equal(second.code, 1);
      assert.equal(
        second.stderr,
        `error: --state-dir ${state}: another run holds this state directory (process ${holder.child.pid}, ` +
          `lock ${join(state, "run.lock")}); stop it first or give each run its own state directory\n`,
      );
      assert.equal(await countLines(join(dir, "b.jsonl")), 0, "the refused run delivered nothing");
    } finally {
      holder.child.kill("SIGKILL");
      assert.equal((await holder.finished()).signal, "SIGKILL");
    }

    await writeLog(join(dir, "log"), 600, (i) => ({ user: `user-${i}` }));
    const after = await runCli([
      ...common,
      ...common2,
      "--no-follow",
      "--to",
      `file:${join(dir, "b.jsonl")}`,
    ]);
    assert.equal(after.code, 0, after.stderr);
    // The killed holder's position was saved: only the 100 new events (and maybe a few resent) are delivered.
    const delivered = await countLines(join(dir, "b.jsonl"));
    assert.ok(delivered >= 100 && delivered < 600, `delivered ${delivered}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second SIGTERM while the sink is down stops at once; nothing is checkpointed past delivery", async () => {
  const wasm = await plugin("passthrough", QUIET_PASSTHROUGH);
  const dir = await Deno.makeTempDir({ prefix: "review-run-force-" });
  try {
    await writeLog(join(dir, "log"), 300, (i) => ({ user: `user-${i}` }));
    const common = [
      "--plugin",
      wasm,
      "--store",
      "memory",
      "--from",
      `file:${join(dir, "log")}`,
      "--state-dir",
      join(dir, "state"),
      "--status-interval",
      "0",
    ];
    const run = new RunProcess([...common, "--to", `forward://127.0.0.1:${closedPort()}`]);
    await run.waitFor("failed write", () => run.stderr.includes("retrying in"));
    run.child.kill("SIGTERM");
    await run.waitFor("stop", () => run.stderr.includes("stopping: delivering events already read"));
    const secondSignal = Date.now();
    run.child.kill("SIGTERM");
    const status = await run.finished();
    // Without the second signal the drain would go on for its 30 s.
    assert.ok(Date.now() - secondSignal < 10_000, `took ${Date.now() - secondSignal} ms`);
    assert.equal(status.code, 1, run.stderr);
    assert.match(run.stderr, /a second signal stops at once/);
    assert.match(
      run.stderr,
      /\nerror: stopped before every event read was delivered; they will be read again on restart\n$/,
    );

    const out = join(dir, "out.jsonl");
    const again = await runCli([...common, "--no-follow", "--to", `file:${out}`]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await countLines(out), 300, "every event is delivered after the restart");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--shutdown-timeout limits the drain after one SIGTERM while the sink is down", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-run-drain-" });
  try {
    await writeLog(join(dir, "log"), 300, (i) => ({ user: `user-${i}` }));
    const run = new RunProcess([
      "--no-plugin",
      "--from",
      `file:${join(dir, "log")}`,
      "--state-dir",
      join(dir, "state"),
      "--status-interval",
      "0",
      "--shutdown-timeout",
      "300ms",
      "--to",
      `forward://127.0.0.1:${closedPort()}`,
    ]);
    await run.waitFor("failed write", () => run.stderr.includes("retrying in"));
    run.child.kill("SIGTERM");
    const status = await run.finished();
    assert.equal(status.code, 1, run.stderr);
    assert.match(run.stderr, /stopping: delivering events already read \(for at most 0\.3 s\)/);
    assert.match(
      run.stderr,
      /\nerror: stopped before every event read was delivered; they will be read again/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two config keys for one setting are refused naming both", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-run-config-" });
  try {
    const config = join(dir, "run.toml");
    await Deno.writeTextFile(
      config,
      'from = "stdin"\nto = "stdout"\nno-plugin = true\n[forward.fluentd]\nurl = "forward://127.0.0.1:24224"\n',
    );
    const ran = await runCli(["--config", config]);
    assert.equal(ran.code, 1);
    assert.equal(
      ran.stderr.split("\n")[0],
      `error: to in ${config} and [forward.fluentd] url in ${config} both set --to: keep one of them`,
    );
    for (
      const [document, keys] of [
        [
          { storage: "a", "state-dir": "b" },
          /storage in x\.toml and state-dir in x\.toml both set --state-dir/,
        ],
        [{ batch: 5, "batch-size": 6 }, /batch in x\.toml and batch-size in x\.toml both set --batch-size/],
        [{ api: "record", teleport: { addr: "t:3025" } }, /api in x\.toml and \[teleport\] addr in x\.toml/],
        [
          { "to-tls-ca": "a", forward: { fluentd: { ca: "b" } } },
          /to-tls-ca in x\.toml and \[forward\.fluentd\] ca/,
        ],
      ] as const
    ) {
      assert.throws(() => configValues(document, "x.toml"), keys);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the drain limit after a stop is a setting: 30 s unless given", () => {
  const values = {
    plugin: { value: "p.wasm", origin: "--plugin" },
    from: { value: "stdin", origin: "--from" },
    to: { value: "stdout", origin: "--to" },
  };
  assert.equal(resolveRunSettings(values).shutdownTimeoutMs, 30_000);
  const given = { ...values, "shutdown-timeout": { value: "5s", origin: "shutdown-timeout in run.toml" } };
  assert.equal(resolveRunSettings(given).shutdownTimeoutMs, 5_000);
  assert.throws(
    () =>
      resolveRunSettings({ ...values, "shutdown-timeout": { value: "soon", origin: "--shutdown-timeout" } }),
    /^RunSettingsError: --shutdown-timeout must be a duration such as 500ms/,
  );
});

Deno.test("a state directory that cannot be created is named with its flag or config key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-run-state-" });
  try {
    await Deno.writeTextFile(join(dir, "file"), "");
    const state = join(dir, "file", "state");
    const flag = await runCli(["--no-plugin", "--from", "stdin", "--to", "stdout", "--state-dir", state]);
    assert.equal(flag.code, 1);
    assert.match(
      flag.stderr,
      /^error: --state-dir \S+\/file\/state: cannot use it as the state directory: .+\n$/,
    );
    assert.doesNotMatch(flag.stderr, /mkdir/);
    const file = await runCli([
      "--no-plugin",
      "--from",
      "stdin",
      "--to",
      "stdout",
      "--state-dir",
      join(dir, "file"),
    ]);
    assert.equal(file.code, 1);
    assert.match(
      file.stderr,
      /^error: --state-dir \S+\/file: cannot use it as the state directory: it is not a folder\n$/,
    );

    const config = join(dir, "run.toml");
    await Deno.writeTextFile(
      config,
      'storage = "file/state"\nfrom = "stdin"\nto = "stdout"\nno-plugin = true\n',
    );
    const keyed = await runCli(["--config", config]);
    assert.equal(keyed.code, 1);
    assert.match(
      keyed.stderr,
      /^error: storage in \S+run\.toml \S+\/file\/state: cannot use it as the state/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plugin timeout under 10 ms is warned about at start; help says a bare number is milliseconds", async () => {
  const wasm = await plugin("passthrough", QUIET_PASSTHROUGH);
  const dir = await Deno.makeTempDir({ prefix: "review-run-timeout-" });
  try {
    await writeLog(join(dir, "log"), 3, (i) => ({ user: `user-${i}` }));
    const common = [
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
    ];
    // With so short a limit even the plugin's start may time out on a busy machine: only the warning counts.
    const short = await runCli([...common, "--timeout", "5"]);
    assert.equal(short.stderr.match(/the plugin call timeout is 5 ms, very short/g)?.length, 1, short.stderr);

    await Deno.remove(join(dir, "state"), { recursive: true });
    const usual = await runCli([...common, "--timeout", "2s"]);
    assert.equal(usual.code, 0, usual.stderr);
    assert.doesNotMatch(usual.stderr, /very short/);

    const help = await runCli(["--help"]);
    assert.match(help.stdout, /a bare number is milliseconds/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

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
    // Each line different: the parser's messages quote them, yet they are one kind of failure.
    await Deno.writeTextFile(
      join(dir, "log", "2026-11-20.00:00:00.log"),
      Array.from({ length: 300 }, (_, i) => `not json ${i}\n`).join(""),
    );
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
    assert.match(lines[1], /\.\.\. and 299 more malformed lines in the last \d+ s \(the first: /);
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
  // Late reports (from batches a stopped pipeline abandoned) are dropped: no line, no timer left running.
  repeats.report("empty scope", 7);
  repeats.close();
  assert.equal(lines.length, 3);
});

Deno.test("RepeatCollapser: messages reported under one key collapse into the first one's summary", () => {
  const lines: string[] = [];
  const repeats = new RepeatCollapser<number>(60_000, {
    first: (message, position) => lines.push(`${message} at ${position}`),
    repeated: (message, count) => lines.push(`${count} more after: ${message}`),
  });
  for (let i = 0; i < 4; i++) repeats.report(`Unexpected token in 'garbage${i}'`, i, "malformed");
  repeats.close();
  assert.deepEqual(lines, [
    "Unexpected token in 'garbage0' at 0",
    "3 more after: Unexpected token in 'garbage0'",
  ]);
});

/** A plugin whose start code never ends: `run` waits the whole call timeout for it. */
const ENDLESS_START = `import { plugin } from '../vendor/teleport';

let spins: i32 = 1;
while (spins > 0) spins = (spins % 1000) + 1;

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const response = new plugin.HandleEventResponse();
    response.Event = request.Event;
    response.Success = true;
    return response;
}
`;

Deno.test("a signal while run is starting stops it at once; nothing was read", async () => {
  const wasm = await plugin("passthrough", ENDLESS_START);
  const dir = await Deno.makeTempDir({ prefix: "review-run-starting-" });
  try {
    await writeLog(join(dir, "log"), 10, (i) => ({ user: `user-${i}` }));
    const state = join(dir, "state");
    const run = new RunProcess([
      "--plugin",
      wasm,
      "--timeout",
      "60s",
      "--store",
      "memory",
      "--from",
      `file:${join(dir, "log")}`,
      "--state-dir",
      state,
      "--to",
      `file:${join(dir, "out.jsonl")}`,
    ]);
    // The state directory is locked after the signal handlers are in place, before the plugin starts.
    await run.waitFor(
      "state lock",
      async () =>
        (await Deno.readTextFile(join(state, "run.lock")).catch(() => "")).trim() === String(run.child.pid),
    );
    const signalled = Date.now();
    run.child.kill("SIGINT");
    const status = await run.finished();
    // Without it the start would go on for its 60 s.
    assert.ok(Date.now() - signalled < 20_000, `took ${Date.now() - signalled} ms`);
    assert.equal(status.code, 1, run.stderr);
    assert.match(run.stderr, /\nerror: stopped by SIGINT while starting; nothing was read\n$/);
    assert.equal(await countLines(join(dir, "out.jsonl")), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
