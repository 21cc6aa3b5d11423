/**
 * The event pipeline: sources, sinks, the at-least-once core, policies, progress and metrics.
 *
 * @module
 */
export * from "./types.ts";
export { type PipelineOptions, type PipelineSummary, runPipeline } from "./pipeline.ts";
export {
  DEFAULT_FORWARD_PORT,
  openSink,
  type OpenSinkOptions,
  openSource,
  type OpenSourceOptions,
  parseListenAddress,
  parseSinkSpec,
  parseSourceSpec,
  PipelineSpecError,
  type SinkSpec,
  type SourceSpec,
  type TlsFiles,
} from "./spec.ts";
export { FILE_POSITION_STATE, type FilePosition, FileSource, type FileSourceOptions } from "./source_file.ts";
export { type LinePosition, StreamSource } from "./source_stdin.ts";
export {
  HttpSource,
  type HttpSourceOptions,
  type HttpSourceTls,
  type RequestPosition,
} from "./source_http.ts";
export { FileSink, StdoutSink } from "./sink_file.ts";
export { HttpSink, type HttpSinkOptions, type HttpSinkTls } from "./sink_http.ts";
export { DEFAULT_FORWARD_TAG, ForwardSink, type ForwardSinkOptions } from "./sink_forward.ts";
export { type DeadLetterEntry, DeadLetterFile } from "./dead_letter.ts";
export {
  createCounters,
  formatPrometheus,
  formatStatus,
  type MetricsServer,
  type PipelineCounters,
  serveMetrics,
} from "./metrics.ts";
export { abortOnSignals } from "./signals.ts";
export { backoffDelay, retryForever, type RetryListener, type RetryOptions } from "./retry.ts";
export { StateFile } from "./state.ts";
