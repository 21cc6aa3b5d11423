/**
 * A child-process harness running one pipeline, for tests that kill, signal and restart a real process.
 *
 * `deno run -A pipeline_main.ts --from SPEC --to SPEC [--state DIR] [--dead-letter FILE] [--on-error POLICY]
 *  [--processor identity|policy|slow] [--no-follow] [--ready FILE]`
 *
 * Processors: `identity` forwards everything; `policy` fails events with `"fail": true`, drops those with
 * `"drop": true` and adds `"processed": true` to those with `"modify": true`; `slow` forwards after 50 ms per
 * batch (keeps events in flight). `--ready FILE` is written with the source's description once it is open.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configureLogging } from "../../lib/log.ts";
import {
  abortOnSignals,
  DeadLetterFile,
  openSink,
  openSource,
  parseSinkSpec,
  parseSourceSpec,
  type ProcessedRecord,
  type Processor,
  type ProcessorErrorPolicy,
  runPipeline,
} from "../../lib/pipeline/mod.ts";

/** Test processors by name. */
export const TEST_PROCESSORS: Record<string, Processor | undefined> = {
  identity: undefined,
  policy: (events) =>
    Promise.resolve(events.map((input): ProcessedRecord => {
      if (input.event.fail === true) return { kind: "error", message: "plugin crashed on purpose" };
      if (input.event.drop === true) return { kind: "drop" };
      if (input.event.modify === true) {
        return { kind: "modified", line: JSON.stringify({ ...input.event, processed: true }) };
      }
      return { kind: "forward" };
    })),
  slow: async (events) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return events.map(() => ({ kind: "forward" }));
  },
};

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      state: { type: "string" },
      "dead-letter": { type: "string" },
      "on-error": { type: "string", default: "forward-original" },
      processor: { type: "string", default: "identity" },
      "no-follow": { type: "boolean", default: false },
      "max-batch": { type: "string", default: "1000" },
      ready: { type: "string" },
    },
  });
  await configureLogging({ level: "info" });
  const controller = new AbortController();
  using _signals = abortOnSignals(controller);
  const source = await openSource(parseSourceSpec(values.from!), {
    stateDir: values.state,
    follow: !values["no-follow"],
    pollIntervalMs: 50,
  });
  const sink = await openSink(parseSinkSpec(values.to!));
  const deadLetter = values["dead-letter"] ? await DeadLetterFile.open(values["dead-letter"]) : undefined;
  if (values.ready) await Deno.writeTextFile(values.ready, source.description);
  await runPipeline({
    source,
    sink,
    processor: TEST_PROCESSORS[values.processor!],
    onProcessorError: values["on-error"] as ProcessorErrorPolicy,
    deadLetter,
    maxBatch: Number(values["max-batch"]),
    signal: controller.signal,
    statusIntervalMs: 0,
    retry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  await source.close();
  await sink.close();
  await deadLetter?.close();
}
