import assert from "node:assert/strict";
import { createCounters, HttpSink, HttpSource, runPipeline, StreamSource } from "../lib/pipeline/mod.ts";
import { createTestCertificates, postJsonOverTls, type TestCertificates } from "./helpers/certs.ts";
import { makeEvents, MemorySink, waitFor } from "./helpers/pipeline_memory.ts";

const read = (path: string) => Deno.readTextFile(path);

/** An HTTPS receiver on a free loopback port that requires client certificates of the test CA. */
async function listenWithMutualTls(certs: TestCertificates): Promise<HttpSource> {
  return await HttpSource.listen({
    hostname: "127.0.0.1",
    port: 0,
    tls: {
      cert: await read(certs.serverCert),
      key: await read(certs.serverKey),
      ca: await read(certs.caCert),
    },
  });
}

Deno.test("the HTTPS receiver with mutual TLS accepts a client of its CA and rejects others", async () => {
  await using certs = await createTestCertificates();
  const source = await listenWithMutualTls(certs);
  const sink = new MemorySink();
  const controller = new AbortController();
  const run = runPipeline({ source, sink, signal: controller.signal, statusIntervalMs: 0 });
  const post = (cert?: string, key?: string) =>
    postJsonOverTls(
      `https://localhost:${source.port}/events.log`,
      '{"event":"user.login","user":"alice"}',
      certs.caCert,
      cert && key ? { cert, key } : undefined,
    );
  try {
    assert.equal(await post(certs.clientCert, certs.clientKey), 200);
    await assert.rejects(post(certs.foreignClientCert, certs.foreignClientKey));
    await assert.rejects(post());
    assert.deepEqual(sink.lines, ['{"event":"user.login","user":"alice"}']);
  } finally {
    controller.abort();
    await run;
    await source.close();
  }
});

Deno.test("the receiver answers 200 only after the sink acknowledged, and 503 when shutting down", async () => {
  const source = await HttpSource.listen({ hostname: "127.0.0.1", port: 0 });
  const sink = new MemorySink();
  const gate = sink.hold();
  const controller = new AbortController();
  const run = runPipeline({
    source,
    sink,
    signal: controller.signal,
    statusIntervalMs: 0,
    drainTimeoutMs: 100,
  });
  try {
    let answered = false;
    const response = fetch(`http://127.0.0.1:${source.port}/events.log`, {
      method: "POST",
      body: '[{"id":"a"},{"id":"b"}]',
    }).then((r) => {
      answered = true;
      return r;
    });
    await gate.writeStarted;
    // The sink holds the write: the events are not delivered yet, so the client must still be waiting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(answered, false);
    gate.release();
    const ok = await response;
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.deepEqual(sink.lines, ['{"id":"a"}', '{"id":"b"}']);

    // A write that never completes: at shutdown the client is told to retry elsewhere/later.
    const stuck = sink.hold();
    const pending = fetch(`http://127.0.0.1:${source.port}/events.log`, {
      method: "POST",
      body: '{"id":"c"}',
    });
    await stuck.writeStarted;
    controller.abort();
    const summary = await run;
    assert.equal(summary.abandoned, true);
    await source.close();
    const refused = await pending;
    assert.equal(refused.status, 503);
    await refused.body?.cancel();
    stuck.release();
  } finally {
    controller.abort();
    await run;
    await source.close();
  }
});

Deno.test("the HTTP sink loses nothing while fluentd is down, then delivers when it is back", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const received: string[] = [];
  const counters = createCounters();
  const sink = new HttpSink(`http://127.0.0.1:${port}/events.log`, { concurrency: 4 });
  const events = makeEvents(200);
  const run = runPipeline({
    source: new StreamSource(new Blob([events.join("\n") + "\n"]).stream(), "blob"),
    sink,
    counters,
    maxBatch: 50,
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
    statusIntervalMs: 0,
  });
  await waitFor(() => counters.sinkRetries >= 3, "failed deliveries while fluentd is down");
  assert.equal(counters.eventsOut, 0);
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (request) => {
    assert.equal(request.headers.get("content-type"), "application/json");
    assert.equal(new URL(request.url).pathname, "/events.log");
    received.push(await request.text());
    return new Response("");
  });
  try {
    const summary = await run;
    assert.equal(summary.counters.eventsOut, 200);
    assert.deepEqual(new Set(received), new Set(events), "every event arrived, one per request");
  } finally {
    await server.shutdown();
    await sink.close();
  }
});

Deno.test("the HTTPS sink presents its client certificate to a receiver requiring mutual TLS", async () => {
  await using certs = await createTestCertificates();
  const receiver = await listenWithMutualTls(certs);
  const received = new MemorySink();
  const controller = new AbortController();
  const relay = runPipeline({
    source: receiver,
    sink: received,
    signal: controller.signal,
    statusIntervalMs: 0,
  });
  const sink = new HttpSink(`https://localhost:${receiver.port}/events.log`, {
    tls: {
      ca: await read(certs.caCert),
      cert: await read(certs.clientCert),
      key: await read(certs.clientKey),
    },
    eventsPerRequest: 7,
  });
  try {
    const events = makeEvents(20);
    await runPipeline({
      source: new StreamSource(new Blob([events.join("\n")]).stream(), "blob"),
      sink,
      statusIntervalMs: 0,
    });
    // Requests run concurrently, so only the set of events (not their order) is guaranteed.
    assert.deepEqual([...received.lines].sort(), [...events].sort());
  } finally {
    controller.abort();
    await relay;
    await receiver.close();
    await sink.close();
  }
});

Deno.test("the receiver answers 503 while too many events await delivery, so the client retries later", async () => {
  const source = await HttpSource.listen({ hostname: "127.0.0.1", port: 0, maxPendingEvents: 2 });
  const sink = new MemorySink();
  const gate = sink.hold();
  const controller = new AbortController();
  const run = runPipeline({ source, sink, signal: controller.signal, statusIntervalMs: 0 });
  const post = (body: string) => fetch(`http://127.0.0.1:${source.port}/`, { method: "POST", body });
  try {
    const first = post('[{"id":1},{"id":2}]');
    await gate.writeStarted;
    const refused = await post('{"id":3}');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "1");
    await refused.body?.cancel();
    gate.release();
    const accepted = await first;
    assert.equal(accepted.status, 200);
    await accepted.body?.cancel();
    const retried = await post('{"id":3}');
    assert.equal(retried.status, 200);
    await retried.body?.cancel();
    assert.deepEqual(sink.lines, ['{"id":1}', '{"id":2}', '{"id":3}']);
  } finally {
    controller.abort();
    await run;
    await source.close();
  }
});
