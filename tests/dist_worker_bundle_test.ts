/**
 * The pool's worker runs from the committed bundle `lib/dist/worker_bundle.js`, through a `data:` URL, so
 * starting a worker reads nothing from disk. The bundle must match the worker's sources.
 */
import assert from "node:assert/strict";
import { bundleWorker, WORKER_BUNDLE_URL } from "../lib/dist/worker_bundle.ts";
import { WORKER_URL } from "../lib/pool/context.ts";

Deno.test("the committed worker bundle is up to date (else run `deno task bundle-worker`)", async () => {
  const committed = await Deno.readTextFile(WORKER_BUNDLE_URL);
  assert.ok(
    committed === await bundleWorker(),
    "lib/dist/worker_bundle.js is stale: run `deno task bundle-worker`",
  );
});

Deno.test("pool workers start from a data: URL holding the bundle, not from a file", async () => {
  assert.equal(WORKER_URL.protocol, "data:");
  const source = decodeURIComponent(WORKER_URL.pathname.slice(WORKER_URL.pathname.indexOf(",") + 1));
  assert.equal(source, await Deno.readTextFile(WORKER_BUNDLE_URL));
  assert.doesNotMatch(source, /^\s*import\s|\bimport\(/m, "the bundle must not import other modules");
});
