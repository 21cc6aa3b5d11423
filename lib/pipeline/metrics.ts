/**
 * The pipeline's counters, their one-line status rendering and their Prometheus text exposition, plus a tiny
 * HTTP server for `--metrics HOST:PORT`.
 *
 * @module
 */

/** Counters of one pipeline run (all totals since start, except `queueDepth`). */
export interface PipelineCounters {
  /** Events read from the source. */
  eventsIn: number;
  /** Events delivered to the sink (original or modified). */
  eventsOut: number;
  /** Events the processor dropped, plus errored events dropped by policy. */
  dropped: number;
  /** Events forwarded in a modified form. */
  modified: number;
  /** Events whose processing failed (whatever the policy did with them). */
  processorErrors: number;
  /** Input lines that were not JSON objects. */
  malformed: number;
  /** Entries written to the dead-letter file. */
  deadLettered: number;
  /** Failed sink writes that were retried. */
  sinkRetries: number;
  /** Events read but not yet acknowledged (in the queue, in processing or being written). */
  queueDepth: number;
}

/** Fresh zeroed counters. */
export function createCounters(): PipelineCounters {
  return {
    eventsIn: 0,
    eventsOut: 0,
    dropped: 0,
    modified: 0,
    processorErrors: 0,
    malformed: 0,
    deadLettered: 0,
    sinkRetries: 0,
    queueDepth: 0,
  };
}

/** The one-line status, e.g. `in=10 out=9 dropped=1 modified=0 errors=0 malformed=0 rate=120/s queue=0`. */
export function formatStatus(counters: PipelineCounters, ratePerSecond?: number): string {
  const c = counters;
  const rate = ratePerSecond === undefined ? "" : ` rate=${Math.round(ratePerSecond)}/s`;
  return `in=${c.eventsIn} out=${c.eventsOut} dropped=${c.dropped} modified=${c.modified} ` +
    `errors=${c.processorErrors} malformed=${c.malformed} dead-lettered=${c.deadLettered} ` +
    `sink-retries=${c.sinkRetries}${rate} queue=${c.queueDepth}`;
}

const METRICS: readonly [keyof PipelineCounters, string, "counter" | "gauge", string][] = [
  ["eventsIn", "tpf_pipeline_events_in_total", "counter", "Events read from the source."],
  ["eventsOut", "tpf_pipeline_events_out_total", "counter", "Events delivered to the sink."],
  ["dropped", "tpf_pipeline_events_dropped_total", "counter", "Events dropped by the processor or policy."],
  ["modified", "tpf_pipeline_events_modified_total", "counter", "Events forwarded in a modified form."],
  ["processorErrors", "tpf_pipeline_processor_errors_total", "counter", "Events whose processing failed."],
  ["malformed", "tpf_pipeline_malformed_lines_total", "counter", "Input lines that were not JSON objects."],
  ["deadLettered", "tpf_pipeline_dead_lettered_total", "counter", "Entries written to the dead-letter file."],
  ["sinkRetries", "tpf_pipeline_sink_retries_total", "counter", "Failed sink writes that were retried."],
  ["queueDepth", "tpf_pipeline_queue_depth", "gauge", "Events read but not yet acknowledged."],
];

/** The counters in Prometheus text exposition format (version 0.0.4). */
export function formatPrometheus(counters: PipelineCounters): string {
  return METRICS.map(([key, name, type, help]) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${counters[key]}\n`
  ).join("");
}

/** A running metrics endpoint. */
export interface MetricsServer extends AsyncDisposable {
  /** The port listened on. */
  port: number;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text) for live counters.
 *
 * @example
 * ```ts
 * import { createCounters, serveMetrics } from "./metrics.ts";
 * await using server = serveMetrics(createCounters(), { hostname: "127.0.0.1", port: 0 });
 * console.log(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
 * ```
 */
export function serveMetrics(
  counters: PipelineCounters,
  address: { hostname: string; port: number },
): MetricsServer {
  const server = Deno.serve({ ...address, onListen: () => {} }, (request) => {
    if (new URL(request.url).pathname !== "/metrics") return new Response("not found\n", { status: 404 });
    return new Response(formatPrometheus(counters), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  });
  const shutdown = () => server.shutdown();
  return { port: server.addr.port, shutdown, [Symbol.asyncDispose]: shutdown };
}
