import assert from "node:assert/strict";
import {
  backoffDelay,
  createCounters,
  type DeadLetterEntry,
  DeadLetterFile,
  FileSink,
  FileSource,
  formatPrometheus,
  type LineProcessor,
  openSink,
  openSource,
  parseListenAddress,
  parseSinkSpec,
  parseSourceSpec,
  PipelineSpecError,
  type ProcessedRecord,
  type Processor,
  runPipeline,
  serveMetrics,
  StreamSource,
} from "../lib/pipeline/mod.ts";
import { type JsonObject, parseJsonObjectLine } from "../lib/teleport_json/json.ts";
import { TEST_PROCESSORS } from "./helpers/pipeline_main.ts";
import { makeEvents, MemorySink, waitFor } from "./helpers/pipeline_memory.ts";

const POLICY_INPUT = [
  '{"id":"plain"}',
  "this is not JSON",
  '{"id":"crashes","fail":true}',
  '{"id":"dropped","drop":true}',
  '{"id":"changed","modify":true}',
  "[1,2]",
];

/**
 * The `policy` test processor as a {@linkcode LineProcessor}: it gets the raw lines (the pipeline parses
 * nothing) and reports the ones that are not JSON objects as malformed itself, as `run`'s workers do.
 */
const LINE_POLICY: LineProcessor = {
  kind: "lines",
  async process(lines) {
    const parsed = lines.map((line) => ({ line, event: parseJsonObjectLine(line, JSON.parse) }));
    const objects = parsed.filter((p): p is { line: string; event: JsonObject } =>
      typeof p.event !== "string"
    );
    const decided = await TEST_PROCESSORS.policy!(objects);
    return parsed.map((p): ProcessedRecord =>
      typeof p.event === "string" ? { kind: "malformed", message: p.event } : decided.shift()!
    );
  },
};

async function runPolicy(
  policy: "forward-original" | "drop" | "dead-letter",
  processor: Processor | LineProcessor = TEST_PROCESSORS.policy!,
) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.log`, POLICY_INPUT.join("\n") + "\n");
    const source = await FileSource.open({ path: dir, follow: false });
    const sink = new MemorySink();
    const deadLetter = await DeadLetterFile.open(`${dir}/dead.jsonl`);
    const summary = await runPipeline({
      source,
      sink,
      processor,
      onProcessorError: policy,
      deadLetter,
      statusIntervalMs: 0,
    });
    await deadLetter.close();
    const dead = (await Deno.readTextFile(`${dir}/dead.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l) as DeadLetterEntry
    );
    return { forwarded: sink.lines.map((l) => JSON.parse(l).id), dead, counters: summary.counters };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (
  const [shape, processor] of [["processor", TEST_PROCESSORS.policy!], [
    "line processor",
    LINE_POLICY,
  ]] as const
) {
  Deno.test(`malformed lines go to the dead-letter file with their position and the pipeline continues (${shape})`, async () => {
    const { forwarded, dead, counters } = await runPolicy("forward-original", processor);
    assert.deepEqual(forwarded, ["plain", "crashes", "changed"]);
    assert.deepEqual(dead.map((d) => [d.reason, d.line]), [["malformed", "this is not JSON"], [
      "malformed",
      "[1,2]",
    ]]);
    const endOfSecondLine = POLICY_INPUT[0].length + 1 + POLICY_INPUT[1].length + 1;
    assert.deepEqual(dead[0].position, { file: "a.log", offset: endOfSecondLine });
    assert.match(dead[0].error, /^not JSON: /);
    assert.equal(dead[1].error, "not a JSON object: array");
    assert.equal(counters.malformed, 2);
    assert.equal(counters.processorErrors, 1);
    assert.equal(counters.eventsOut, 3);
  });
}

Deno.test("processor errors follow --on-plugin-error: forward-original keeps the original event", async () => {
  const { forwarded, counters } = await runPolicy("forward-original");
  assert.ok(forwarded.includes("crashes"));
  assert.equal(counters.processorErrors, 1);
  assert.equal(counters.modified, 1);
  assert.equal(counters.dropped, 1);
  assert.equal(counters.eventsOut, 3);
});

Deno.test("processor errors follow --on-plugin-error: drop forwards nothing and counts a drop", async () => {
  const { forwarded, dead, counters } = await runPolicy("drop");
  assert.deepEqual(forwarded, ["plain", "changed"]);
  assert.equal(dead.filter((d) => d.reason === "processor-error").length, 0);
  assert.equal(counters.dropped, 2);
});

Deno.test("processor errors follow --on-plugin-error: dead-letter keeps the event and the error", async () => {
  const { forwarded, dead } = await runPolicy("dead-letter");
  assert.deepEqual(forwarded, ["plain", "changed"]);
  const errored = dead.filter((d) => d.reason === "processor-error");
  assert.equal(errored.length, 1);
  assert.equal(errored[0].line, '{"id":"crashes","fail":true}');
  assert.equal(errored[0].error, "plugin crashed on purpose");
  assert.ok(!Number.isNaN(Date.parse(errored[0].time)));
});

Deno.test("a processor that throws counts as an error for every event of the batch", async () => {
  const sink = new MemorySink();
  const summary = await runPipeline({
    source: new StreamSource(new Blob([makeEvents(3).join("\n")]).stream(), "blob"),
    sink,
    processor: () => Promise.reject(new Error("worker died")),
    statusIntervalMs: 0,
  });
  assert.equal(summary.counters.processorErrors, 3);
  assert.equal(sink.lines.length, 3, "forward-original is the default policy");
});

Deno.test("a failing line processor forwards only lines that are JSON objects; the rest are malformed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sink = new MemorySink();
    const deadLetter = await DeadLetterFile.open(`${dir}/dead.jsonl`);
    const summary = await runPipeline({
      source: new StreamSource(new Blob(['{"a":1}\n{nope\n[]\n{"b":2}\n']).stream(), "blob"),
      sink,
      processor: { kind: "lines", process: () => Promise.reject(new Error("the pool was closed")) },
      deadLetter,
      statusIntervalMs: 0,
    });
    await deadLetter.close();
    assert.deepEqual(sink.lines, ['{"a":1}', '{"b":2}'], "forward-original forwards the objects only");
    const dead = (await Deno.readTextFile(`${dir}/dead.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(dead.map((d) => [d.reason, d.line]), [["malformed", "{nope"], ["malformed", "[]"]]);
    assert.equal(summary.counters.malformed, 2);
    assert.equal(summary.counters.processorErrors, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the dead-letter policy is refused without a dead-letter file", async () => {
  await assert.rejects(
    runPipeline({
      source: new StreamSource(new Blob([]).stream()),
      sink: new MemorySink(),
      onProcessorError: "dead-letter",
    }),
    /needs a dead-letter file/,
  );
});

Deno.test("a failing sink is retried until it accepts, and nothing is lost", async () => {
  const sink = new MemorySink();
  sink.failures = 5;
  const summary = await runPipeline({
    source: new StreamSource(new Blob([makeEvents(100).join("\n") + "\n"]).stream(), "blob"),
    sink,
    maxBatch: 10,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    statusIntervalMs: 0,
  });
  assert.equal(summary.counters.sinkRetries, 5);
  assert.deepEqual(sink.lines, makeEvents(100));
});

Deno.test("the file source holds back a partial last line until its newline arrives, then follows new files (not links)", async () => {
  const dir = await Deno.makeTempDir();
  const controller = new AbortController();
  const sink = new MemorySink();
  try {
    await Deno.writeTextFile(`${dir}/2026-01-01.00:00:00.log`, '{"id":"one"}\n{"id":"tw');
    // Teleport keeps a symbolic link to the current file next to the files: it must not be read twice.
    await Deno.symlink(`${dir}/2026-01-01.00:00:00.log`, `${dir}/events.log`);
    const source = await FileSource.open({ path: dir, pollIntervalMs: 10 });
    const run = runPipeline({ source, sink, signal: controller.signal, statusIntervalMs: 0 });
    const ids = () => sink.lines.map((l) => JSON.parse(l).id);
    await waitFor(() => sink.lines.length === 1, "the first event");
    // Many poll cycles pass: the incomplete line must still not be emitted.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.deepEqual(ids(), ["one"]);
    await Deno.writeTextFile(`${dir}/2026-01-01.00:00:00.log`, 'o"}\n', { append: true });
    await waitFor(() => sink.lines.length === 2, "the completed line");
    await Deno.writeTextFile(`${dir}/2026-01-02.00:00:00.log`, '{"id":"three"}\n');
    await Deno.writeTextFile(`${dir}/ignored.txt`, '{"id":"not a log"}\n');
    await waitFor(() => sink.lines.length === 3, "the event of the new file");
    controller.abort();
    await run;
    assert.deepEqual(ids(), ["one", "two", "three"]);
  } finally {
    controller.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a single-file source follows its path to a new file after rotation by rename or a moved link", async () => {
  const dir = await Deno.makeTempDir();
  const controller = new AbortController();
  const sink = new MemorySink();
  try {
    await Deno.writeTextFile(`${dir}/audit.log`, '{"id":"a1"}\n');
    await Deno.symlink(`${dir}/audit.log`, `${dir}/current.log`);
    const source = await FileSource.open({ path: `${dir}/current.log`, pollIntervalMs: 10 });
    const run = runPipeline({ source, sink, signal: controller.signal, statusIntervalMs: 0 });
    await waitFor(() => sink.lines.length === 1, "the first event");
    // Rotation by rename: the old file gets a last line, then a new file takes the name.
    await Deno.writeTextFile(`${dir}/audit.log`, '{"id":"a2"}\n', { append: true });
    await Deno.rename(`${dir}/audit.log`, `${dir}/audit.log.1`);
    await Deno.writeTextFile(`${dir}/audit.log`, '{"id":"b1"}\n');
    await Deno.remove(`${dir}/current.log`);
    await Deno.symlink(`${dir}/audit.log`, `${dir}/current.log`);
    await waitFor(() => sink.lines.length === 3, "the new file's event");
    // The link moves on to another file.
    await Deno.writeTextFile(`${dir}/next.log`, '{"id":"c1"}\n');
    await Deno.remove(`${dir}/current.log`);
    await Deno.symlink(`${dir}/next.log`, `${dir}/current.log`);
    await waitFor(() => sink.lines.length === 4, "the event of the file the link now names");
    controller.abort();
    await run;
    assert.deepEqual(sink.lines.map((l) => JSON.parse(l).id), ["a1", "a2", "b1", "c1"]);
  } finally {
    controller.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the file source resumes after the last acknowledged position and refuses a foreign state directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/log`);
    await Deno.writeTextFile(`${dir}/log/a.log`, makeEvents(5, "a").join("\n") + "\n");
    const run = async () => {
      const source = await FileSource.open({ path: `${dir}/log`, stateDir: `${dir}/state`, follow: false });
      const sink = await FileSink.open(`${dir}/out.jsonl`);
      await runPipeline({ source, sink, statusIntervalMs: 0 });
      await source.close();
      await sink.close();
    };
    await run();
    await Deno.writeTextFile(`${dir}/log/a.log`, makeEvents(2, "b").join("\n") + "\n", { append: true });
    await Deno.writeTextFile(`${dir}/log/b.log`, makeEvents(2, "c").join("\n") + "\n");
    await run();
    const out = (await Deno.readTextFile(`${dir}/out.jsonl`)).trim().split("\n").map((l) => JSON.parse(l).id);
    assert.deepEqual(out, ["a0", "a1", "a2", "a3", "a4", "b0", "b1", "c0", "c1"]);
    await Deno.writeTextFile(`${dir}/other.log`, "");
    await assert.rejects(
      FileSource.open({ path: `${dir}/other.log`, stateDir: `${dir}/state` }),
      /holds the position of file:.*\/log, not file:.*other\.log/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the stream source emits an unterminated last line when the stream ends", async () => {
  const sink = new MemorySink();
  await runPipeline({
    source: new StreamSource(new Blob(['{"id":1}\r\n\n  \n{"id":2}']).stream(), "blob"),
    sink,
    statusIntervalMs: 0,
  });
  assert.deepEqual(sink.lines, ['{"id":1}', '{"id":2}']);
});

Deno.test("source and sink specs are parsed in one place, with errors naming the flag value", () => {
  assert.deepEqual(parseSourceSpec("file:/var/log/teleport"), { kind: "file", path: "/var/log/teleport" });
  assert.deepEqual(parseSourceSpec("stdin"), { kind: "stdin" });
  assert.deepEqual(parseSourceSpec("https://0.0.0.0:8888"), {
    kind: "http",
    tls: true,
    hostname: "0.0.0.0",
    port: 8888,
  });
  assert.deepEqual(parseSinkSpec("https://fluentd:8888/events.log"), {
    kind: "http",
    url: "https://fluentd:8888/events.log",
  });
  assert.deepEqual(parseSinkSpec("forward://127.0.0.1?tag=teleport.audit"), {
    kind: "forward",
    tls: false,
    host: "127.0.0.1",
    port: 24224,
    tag: "teleport.audit",
  });
  assert.deepEqual(parseSinkSpec("stdout"), { kind: "stdout" });
  assert.throws(
    () => parseSourceSpec("kafka://x:1"),
    (e: Error) =>
      e instanceof PipelineSpecError && e.message.startsWith("--from kafka://x:1: unknown source"),
  );
  assert.throws(() => parseSourceSpec("http://0.0.0.0:8888/events.log"), /--from .*only HOST:PORT/);
  assert.throws(() => parseSinkSpec("file:"), /--to file:: the path is empty/);
  assert.throws(() => parseSinkSpec("forward://h:1?tag="), /--to .*tag must not be empty/);
  assert.deepEqual(parseListenAddress("127.0.0.1:9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListenAddress("[::1]:0"), { hostname: "::1", port: 0 });
  assert.throws(() => parseListenAddress("9464"), /--metrics 9464: expected HOST:PORT/);
  assert.throws(() => parseListenAddress("h:70000"), /--metrics h:70000: expected HOST:PORT/);
});

Deno.test("retry delays grow exponentially with jitter and stay under the cap", () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(1, options, () => 0), 50);
  assert.equal(backoffDelay(1, options, () => 1), 100);
  assert.equal(backoffDelay(3, options, () => 1), 400);
  assert.equal(backoffDelay(50, options, () => 1), 1000);
  assert.equal(backoffDelay(50, options, () => 0), 500);
});

Deno.test("--metrics serves the counters in Prometheus text format", async () => {
  const counters = createCounters();
  counters.eventsIn = 7;
  counters.queueDepth = 2;
  await using server = serveMetrics(counters, { hostname: "127.0.0.1", port: 0 });
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  assert.equal(text, formatPrometheus(counters));
  assert.match(text, /^# TYPE tpf_pipeline_events_in_total counter\ntpf_pipeline_events_in_total 7$/m);
  assert.match(text, /^tpf_pipeline_queue_depth 2$/m);
  const missing = await fetch(`http://127.0.0.1:${server.port}/`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("a stop with a processor that never answers gives up after the drain timeout without acknowledging", async () => {
  const dir = await Deno.makeTempDir();
  const controller = new AbortController();
  try {
    await Deno.writeTextFile(`${dir}/a.log`, makeEvents(3).join("\n") + "\n");
    const source = await FileSource.open({ path: dir, stateDir: `${dir}/state`, pollIntervalMs: 10 });
    const processing = Promise.withResolvers<void>();
    const run = runPipeline({
      source,
      sink: new MemorySink(),
      processor: () => {
        processing.resolve();
        return new Promise(() => {});
      },
      signal: controller.signal,
      drainTimeoutMs: 50,
      statusIntervalMs: 0,
    });
    await processing.promise;
    controller.abort();
    const summary = await run;
    assert.equal(summary.abandoned, true);
    assert.equal(summary.counters.eventsOut, 0);
    await source.close();
    await assert.rejects(Deno.stat(`${dir}/state`), Deno.errors.NotFound, "no position was saved");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("opening a spec reports missing or unreadable TLS material by name", async () => {
  await assert.rejects(
    openSource(parseSourceSpec("https://127.0.0.1:0")),
    /an https:\/\/ receiver needs a server certificate and key/,
  );
  await assert.rejects(
    openSink(parseSinkSpec("https://127.0.0.1:1/events.log"), { tls: { ca: "/nonexistent/ca.crt" } }),
    /cannot read the TLS CA \/nonexistent\/ca\.crt/,
  );
  await assert.rejects(
    openSink(parseSinkSpec("https://127.0.0.1:1/events.log"), { tls: { cert: "/dev/null" } }),
    /a client certificate and its key must be given together/,
  );
});

Deno.test("a forced stop discards the batches still processing: nothing of them is counted after the summary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.log`, '{"id":1}\n{"id":2}\n');
    const source = await FileSource.open({ path: dir, follow: false });
    const sink = new MemorySink();
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    let started!: () => void;
    const processing = new Promise<void>((resolve) => started = resolve);
    // A processor that answers only after the pipeline gave up, with a failure for every line (as a closed
    // pool does).
    const stalled: LineProcessor = {
      kind: "lines",
      async process(lines) {
        started();
        await released;
        return lines.map(() => ({ kind: "error", message: "the execution context pool is closed" }));
      },
    };
    const force = new AbortController();
    const running = runPipeline({
      source,
      sink,
      processor: stalled,
      forceSignal: force.signal,
      statusIntervalMs: 0,
    });
    await processing;
    force.abort(new Error("stopped by a second SIGTERM"));
    const summary = await running;
    assert.equal(summary.abandoned, true);
    const after = { ...summary.counters };
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(summary.counters, after);
    assert.equal(summary.counters.processorErrors, 0);
    assert.deepEqual(sink.lines, []);
    await source.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
