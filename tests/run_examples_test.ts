/**
 * `run` end to end, as a child process over real files, with plugins built by the real AssemblyScript
 * compiler: the four example plugins on the bundled sample audit log, the error policies with crashing,
 * looping and refusing plugins, malformed input, `--no-plugin`, a TOML `--config`, and up-front validation.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MALLORY_FAILED_LOGINS, SAMPLE_LOG_NAME, SECRET_SANTA_LOGINS } from "../fixtures/audit/generate.ts";
import {
  CRASHING_PLUGIN,
  LOOPING_PLUGIN,
  plugin,
  QUIET_PASSTHROUGH,
  readJsonLines,
  REFUSING_PLUGIN,
  runCli,
  SAMPLE_AUDIT_LOG,
} from "./run_support.ts";

const SAMPLE_LINES = (await Deno.readTextFile(join(SAMPLE_AUDIT_LOG, SAMPLE_LOG_NAME))).split("\n").filter((
  l,
) => l !== "");

/** Members of AccessRequestCreate, which the `modify` example annotates. */
const ACCESS_REQUEST_TYPES = new Set([
  "access_request.create",
  "access_request.update",
  "access_request.review",
]);

interface Workspace {
  dir: string;
  out: string;
  state: string;
  /** `--from file:LOG --to file:OUT --state-dir STATE --no-follow --status-interval 0` */
  io: string[];
}

async function withWorkspace(fn: (w: Workspace) => Promise<void>, log = SAMPLE_AUDIT_LOG): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "run-e2e-" });
  const out = join(dir, "out.jsonl");
  const state = join(dir, "state");
  try {
    await fn({
      dir,
      out,
      state,
      io: [
        "--from",
        `file:${log}`,
        "--to",
        `file:${out}`,
        "--state-dir",
        state,
        "--no-follow",
        "--status-interval",
        "0",
      ],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function outputLines(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((line) => line !== "");
}

function summaryOf(stderr: string): string {
  const line = stderr.split("\n").find((l) => l.includes("finished in"));
  assert.ok(line, `no final summary in:\n${stderr}`);
  return line;
}

Deno.test("passthrough example: every event is forwarded byte for byte", async () => {
  const wasm = await plugin("passthrough");
  await withWorkspace(async ({ out, io }) => {
    const result = await runCli(["--plugin", wasm, ...io]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await outputLines(out), SAMPLE_LINES);
    assert.match(
      summaryOf(result.stderr),
      new RegExp(`in=${SAMPLE_LINES.length} out=${SAMPLE_LINES.length} `),
    );
    // The example traces each event's type; traces reach the log.
    assert.match(result.stderr, /Event of type UserLogin received/);
  });
});

Deno.test("skip example: secret-santa's logins are dropped, nothing else changes", async () => {
  const wasm = await plugin("skip");
  await withWorkspace(async ({ out, io }) => {
    const result = await runCli(["--plugin", wasm, ...io]);
    assert.equal(result.code, 0, result.stderr);
    const santa = (line: string) => {
      const event = JSON.parse(line);
      return event.event === "user.login" && event.login === "secret-santa";
    };
    assert.equal(SAMPLE_LINES.filter(santa).length, SECRET_SANTA_LOGINS);
    assert.deepEqual(await outputLines(out), SAMPLE_LINES.filter((line) => !santa(line)));
    assert.match(summaryOf(result.stderr), new RegExp(`dropped=${SECRET_SANTA_LOGINS} modified=0 errors=0`));
  });
});

Deno.test("modify example: access requests gain the seen-by-us annotation and nothing else changes", async () => {
  const wasm = await plugin("modify");
  await withWorkspace(async ({ out, io }) => {
    const result = await runCli(["--plugin", wasm, ...io]);
    assert.equal(result.code, 0, result.stderr);
    const output = await outputLines(out);
    assert.equal(output.length, SAMPLE_LINES.length);
    let modified = 0;
    for (const [i, line] of output.entries()) {
      const original = JSON.parse(SAMPLE_LINES[i]);
      if (!ACCESS_REQUEST_TYPES.has(original.event)) {
        assert.equal(line, SAMPLE_LINES[i]);
        continue;
      }
      modified++;
      const { annotations, ...rest } = JSON.parse(line);
      assert.deepEqual(annotations, { "seen-by-us": "yes" });
      // Same keys in the same order, same values: only the annotation was added.
      assert.deepEqual(Object.entries(rest), Object.entries(original));
    }
    assert.ok(modified >= 6, `only ${modified} access request events`);
    assert.match(summaryOf(result.stderr), new RegExp(`dropped=0 modified=${modified} errors=0`));
  });
});

Deno.test("count example: mallory's repeated failed logins ask for locks (--api dry-run:FILE)", async () => {
  const wasm = await plugin("count");
  await withWorkspace(async ({ dir, out, io }) => {
    const locks = join(dir, "locks.jsonl");
    const result = await runCli(["--plugin", wasm, ...io, "--api", `dry-run:${locks}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await outputLines(out), SAMPLE_LINES);
    // More than 3 failures within 5 minutes: the 4th and every later one ask for a lock.
    const requests = await readJsonLines(locks);
    assert.equal(requests.length, MALLORY_FAILED_LOGINS - 3);
    for (const request of requests) {
      const lock = request.lock as { kind: string; spec: { target: unknown; message: string } };
      assert.equal(lock.kind, "lock");
      assert.deepEqual(lock.spec.target, { user: "mallory", login: "mallory" });
      assert.equal(lock.spec.message, "Suspicious login activity");
    }
    assert.match(result.stderr, new RegExp(`locks requested by the plugin: ${MALLORY_FAILED_LOGINS - 3} `));
    // The default store is Deno KV in the state directory.
    await Deno.stat(join(dir, "state", "store.kv"));
  });
});

/** A small log with one event that makes the test plugins fail, in the middle. */
async function logWithTrigger(
  dir: string,
  user: string,
): Promise<{ log: string; lines: string[]; trigger: string }> {
  const trigger = JSON.stringify({
    ei: 9001,
    event: "user.login",
    uid: "5b0c3a94-2f7e-4d65-9a1b-0c5e8f1d2a3b",
    code: "T1000I",
    time: "2026-11-20T10:00:00.5Z",
    cluster_name: "teleport.example.com",
    user,
    success: true,
    method: "local",
  });
  const lines = [...SAMPLE_LINES.slice(0, 20), trigger, ...SAMPLE_LINES.slice(20, 40)];
  const log = join(dir, "log");
  await Deno.mkdir(log);
  await Deno.writeTextFile(join(log, SAMPLE_LOG_NAME), lines.join("\n") + "\n");
  return { log, lines, trigger };
}

const FAILING_PLUGINS = [
  { name: "crashing (abort)", handler: CRASHING_PLUGIN, user: "crash-me", error: /crash-me must not log in/ },
  { name: "looping (timeout)", handler: LOOPING_PLUGIN, user: "loop-me", error: /timed out after 300 ms/ },
  {
    name: "refusing (Success=false)",
    handler: REFUSING_PLUGIN,
    user: "refuse-me",
    error: /refused on purpose/,
  },
];

for (const failing of FAILING_PLUGINS) {
  for (const policy of ["forward-original", "drop", "dead-letter"] as const) {
    Deno.test(`a ${failing.name} plugin under --on-plugin-error=${policy}`, async () => {
      const wasm = await plugin("passthrough", failing.handler);
      const dir = await Deno.makeTempDir({ prefix: "run-policy-" });
      try {
        const { log, lines, trigger } = await logWithTrigger(dir, failing.user);
        await withWorkspace(async ({ dir: work, out, io }) => {
          const deadLetter = join(work, "dead.jsonl");
          const result = await runCli([
            "--plugin",
            wasm,
            ...io,
            "--timeout",
            "300ms",
            "--on-plugin-error",
            policy,
            "--dead-letter",
            deadLetter,
          ]);
          assert.equal(result.code, 0, result.stderr);
          assert.match(summaryOf(result.stderr), /errors=1 /);
          assert.match(result.stderr, failing.error);
          const expected = policy === "forward-original" ? lines : lines.filter((line) => line !== trigger);
          assert.deepEqual(await outputLines(out), expected);
          const dead = await readJsonLines(deadLetter);
          if (policy !== "dead-letter") {
            assert.deepEqual(dead, []);
            return;
          }
          assert.equal(dead.length, 1);
          assert.equal(dead[0].reason, "processor-error");
          assert.equal(dead[0].line, trigger);
          assert.match(String(dead[0].error), failing.error);
        }, log);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
}

Deno.test("a malformed line goes to the dead-letter file with its position; the rest flows on", async () => {
  const wasm = await plugin("passthrough", QUIET_PASSTHROUGH);
  await withWorkspace(async ({ dir, out, state }) => {
    const input = [SAMPLE_LINES[0], '{"event":"user.login",', SAMPLE_LINES[1], "[1,2]"].join("\n") + "\n";
    const result = await runCli(
      [
        "--plugin",
        wasm,
        "--from",
        "stdin",
        "--to",
        `file:${out}`,
        "--state-dir",
        state,
        "--status-interval",
        "0",
      ],
      { stdin: input, cwd: dir },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await outputLines(out), [SAMPLE_LINES[0], SAMPLE_LINES[1]]);
    const dead = await readJsonLines(join(state, "dead-letter.jsonl"));
    assert.deepEqual(dead.map((d) => [d.reason, d.line]), [
      ["malformed", '{"event":"user.login",'],
      ["malformed", "[1,2]"],
    ]);
    assert.match(String(dead[0].error), /^not JSON/);
    assert.ok(dead[0].position !== undefined);
    assert.match(summaryOf(result.stderr), /malformed=2 dead-lettered=2/);
  });
});

Deno.test("--no-plugin forwards JSON in, JSON out", async () => {
  await withWorkspace(async ({ out, io }) => {
    const result = await runCli(["--no-plugin", ...io]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await outputLines(out), SAMPLE_LINES);
    assert.ok(!result.stderr.includes("locks requested"));
  });
});

Deno.test("run --config: event-handler's TOML layout, relative paths, a flag overriding the file", async () => {
  const wasm = await plugin("skip");
  await withWorkspace(async ({ dir }) => {
    await Deno.copyFile(wasm, join(dir, "skip.wasm"));
    await Deno.writeTextFile(
      join(dir, "teleport-plugin.toml"),
      [
        'storage = "storage"',
        "batch = 50",
        `from = "file:${SAMPLE_AUDIT_LOG}"`,
        'to = "file:forwarded.jsonl"',
        "follow = false",
        'status-interval = "0"',
        "",
        "[wasm]",
        'plugin = "skip.wasm"',
        'timeout = "2s"',
        "concurrency = 2",
        "",
        "[forward.fluentd]",
        'session-url = "https://localhost:8888/session"',
      ].join("\n"),
    );
    // Run from elsewhere: paths in the file are relative to the file.
    const result = await runCli(["--config", join(dir, "teleport-plugin.toml"), "--concurrency", "1"], {
      cwd: "/",
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\[forward\.fluentd\] session-url has no meaning for run and is ignored/);
    const forwarded = await outputLines(join(dir, "forwarded.jsonl"));
    assert.equal(forwarded.length, SAMPLE_LINES.length - SECRET_SANTA_LOGINS);
    // The position was saved in the configured storage folder.
    await Deno.stat(join(dir, "storage"));
  });
});

Deno.test("invalid options fail at once with one line naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [["--from", "stdin", "--to", "stdout"], /^error: no plugin: give --plugin FILE/],
    [
      ["--no-plugin", "--from", "stdin", "--to", "stdout", "--timeout", "fast"],
      /^error: --timeout must be a duration/,
    ],
    [["--no-plugin", "--from", "stdin", "--to", "kafka://x"], /^error: --to kafka:\/\/x: unknown sink/],
    [
      ["--plugin", "/nonexistent.wasm", "--from", "stdin", "--to", "stdout"],
      /^error: cannot read plugin \/nonexistent\.wasm/,
    ],
  ];
  for (const [args, message] of cases) {
    await withWorkspace(async ({ dir }) => {
      const result = await runCli(args, { cwd: dir });
      assert.equal(result.code, 1);
      const errorLines = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
      assert.equal(errorLines.length, 1, result.stderr);
      assert.match(errorLines[0], message);
      assert.equal(result.stdout, "");
    });
  }
});
