/**
 * The plugin processor on the main thread: it hands raw lines to the pool's `handleEventLine` in slices,
 * decodes each outcome, keeps input order across slices, and turns a failed call into that event's error.
 */
import assert from "node:assert/strict";
import type { CallResult } from "../lib/pool/batch.ts";
import type { ProcessedRecord } from "../lib/pipeline/types.ts";
import { encodeOutcome } from "../lib/run/outcome.ts";
import { createPluginProcessor } from "../lib/run/processor.ts";

/** A stand-in pool: the outcome is named by the line itself; `crash` fails the call. */
function standInPool(slices: number[]) {
  return {
    batch(name: "handleEventLine", calls: readonly [string][]): Promise<CallResult<string>[]> {
      assert.equal(name, "handleEventLine");
      slices.push(calls.length);
      return Promise.resolve(calls.map(([line]): CallResult<string> => {
        if (line === "crash") return { ok: false, error: new Error("abort: boom at assembly/index.ts:3:5") };
        if (line === "drop") return { ok: true, value: encodeOutcome({ kind: "drop" }) };
        if (line.startsWith("modify ")) {
          return { ok: true, value: encodeOutcome({ kind: "modified", line: line.slice(7) }) };
        }
        return { ok: true, value: encodeOutcome({ kind: "forward" }) };
      }));
    },
  };
}

Deno.test("each line's outcome comes back in order, slice after slice", async () => {
  const slices: number[] = [];
  const processor = createPluginProcessor({ pool: standInPool(slices), sliceSize: 3 });
  assert.equal(processor.kind, "lines");
  const outcomes = await processor.process(["a", "drop", "modify {}", "crash", "b", "modify x", "c"]);
  assert.deepEqual(
    outcomes,
    [
      { kind: "forward" },
      { kind: "drop" },
      { kind: "modified", line: "{}" },
      { kind: "error", message: "plugin failed: abort: boom at assembly/index.ts:3:5" },
      { kind: "forward" },
      { kind: "modified", line: "x" },
      { kind: "forward" },
    ] satisfies ProcessedRecord[],
  );
  // Three slices, each handed to the pool as soon as it was made.
  assert.deepEqual(slices, [3, 3, 1]);
});

Deno.test("no lines, no pool call", async () => {
  const slices: number[] = [];
  assert.deepEqual(await createPluginProcessor({ pool: standInPool(slices) }).process([]), []);
  assert.deepEqual(slices, []);
});
