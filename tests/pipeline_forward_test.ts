import assert from "node:assert/strict";
import { FluentServer } from "@fluent-org/logger";
import {
  createCounters,
  ForwardSink,
  openSink,
  parseSinkSpec,
  runPipeline,
  StreamSource,
} from "../lib/pipeline/mod.ts";
import { createTestCertificates } from "./helpers/certs.ts";
import { makeEvents, waitFor } from "./helpers/pipeline_memory.ts";

interface Entry {
  tag: string;
  record: Record<string, unknown>;
}

async function startServer(
  port = 0,
  tlsOptions?: { cert: string; key: string; ca: string; requestCert: true; rejectUnauthorized: true },
): Promise<{ server: FluentServer; entries: Entry[] }> {
  const server = new FluentServer({
    listenOptions: { host: "127.0.0.1", port },
    ...(tlsOptions ? { tlsOptions } : {}),
  });
  const entries: Entry[] = [];
  server.on(
    "entry",
    (tag: string, _time: unknown, record: Record<string, unknown>) => entries.push({ tag, record }),
  );
  await server.listen();
  return { server, entries };
}

Deno.test("the Forward sink delivers every event with its tag to a real Forward server, with acks", async () => {
  const { server, entries } = await startServer();
  const sink = new ForwardSink({
    host: "127.0.0.1",
    port: server.port!,
    tag: "teleport.audit",
    ackTimeoutMs: 5000,
  });
  try {
    const events = makeEvents(500);
    const summary = await runPipeline({
      source: new StreamSource(new Blob([events.join("\n")]).stream(), "blob"),
      sink,
      maxBatch: 100,
      statusIntervalMs: 0,
    });
    assert.equal(summary.counters.eventsOut, 500);
    assert.equal(summary.counters.sinkRetries, 0);
    assert.deepEqual(entries.map((e) => JSON.stringify(e.record)), events);
    assert.ok(entries.every((e) => e.tag === "teleport.audit"));
  } finally {
    await sink.close();
    await server.close();
  }
});

Deno.test("the Forward sink keeps retrying while the server is down and loses nothing", async () => {
  const probe = await startServer();
  const port = probe.server.port!;
  await probe.server.close();
  const counters = createCounters();
  const sink = new ForwardSink({ host: "127.0.0.1", port, ackTimeoutMs: 300 });
  const events = makeEvents(50);
  const run = runPipeline({
    source: new StreamSource(new Blob([events.join("\n")]).stream(), "blob"),
    sink,
    counters,
    maxBatch: 10,
    retry: { initialDelayMs: 20, maxDelayMs: 100 },
    statusIntervalMs: 0,
  });
  await waitFor(() => counters.sinkRetries >= 2, "failed deliveries while the server is down");
  const { server, entries } = await startServer(port);
  try {
    await run;
    assert.deepEqual(new Set(entries.map((e) => JSON.stringify(e.record))), new Set(events));
    assert.ok(entries.every((e) => e.tag === "teleport.events"), "default tag");
  } finally {
    await sink.close();
    await server.close();
  }
});

Deno.test("the Forward sink speaks mutual TLS (forward+tls://) and a foreign client certificate is refused", async () => {
  await using certs = await createTestCertificates();
  const read = (path: string) => Deno.readTextFile(path);
  const { server, entries } = await startServer(0, {
    cert: await read(certs.serverCert),
    key: await read(certs.serverKey),
    ca: await read(certs.caCert),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const trusted = await openSink(parseSinkSpec(`forward+tls://127.0.0.1:${server.port}`), {
    tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey },
  });
  const foreign = new ForwardSink({
    host: "127.0.0.1",
    port: server.port!,
    ackTimeoutMs: 500,
    tls: {
      ca: await read(certs.caCert),
      cert: await read(certs.foreignClientCert),
      key: await read(certs.foreignClientKey),
    },
  });
  try {
    await trusted.write(['{"id":"trusted"}']);
    await assert.rejects(foreign.write(['{"id":"foreign"}']));
    assert.deepEqual(entries.map((e) => e.record), [{ id: "trusted" }]);
  } finally {
    await trusted.close();
    await foreign.close();
    await server.close();
  }
});
