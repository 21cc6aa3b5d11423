/**
 * The outcome of one event as the worker adapter (`event_line_adapter.ts`) sends it to the main thread: one
 * string whose first character is the kind, so that the common outcomes (forward, drop) cost one character.
 *
 * | text | outcome |
 * |---|---|
 * | `F` | forward the original line |
 * | `D` | drop |
 * | `M` + line | forward the modified line |
 * | `E` + message | processing failed |
 * | `X` + message | the input line is not a JSON object |
 *
 * @module
 */
import type { ProcessedRecord } from "../pipeline/types.ts";

/** The shared `forward` outcome. */
export const FORWARD: ProcessedRecord = Object.freeze({ kind: "forward" });
/** The shared `drop` outcome. */
export const DROP: ProcessedRecord = Object.freeze({ kind: "drop" });

/** Encodes an outcome as the adapter returns it. */
export function encodeOutcome(outcome: ProcessedRecord): string {
  switch (outcome.kind) {
    case "forward":
      return "F";
    case "drop":
      return "D";
    case "modified":
      return "M" + outcome.line;
    case "error":
      return "E" + outcome.message;
    case "malformed":
      return "X" + outcome.message;
  }
}

/**
 * Decodes what {@linkcode encodeOutcome} made.
 *
 * @example
 * ```ts
 * import { decodeOutcome, encodeOutcome } from "./outcome.ts";
 * decodeOutcome(encodeOutcome({ kind: "modified", line: "{}" })); // { kind: "modified", line: "{}" }
 * ```
 * @throws {RangeError} when the text does not start with a known kind.
 */
export function decodeOutcome(text: string): ProcessedRecord {
  switch (text.charCodeAt(0)) {
    case 70: // F
      return FORWARD;
    case 68: // D
      return DROP;
    case 77: // M
      return { kind: "modified", line: text.slice(1) };
    case 69: // E
      return { kind: "error", message: text.slice(1) };
    case 88: // X
      return { kind: "malformed", message: text.slice(1) };
    default:
      throw new RangeError(`not an event outcome: ${JSON.stringify(text.slice(0, 20))}`);
  }
}
