/**
 * Pool workers run from the committed bundles `lib/dist/*worker_bundle.js`, through `blob:` URLs, so starting a
 * worker reads nothing from disk. Each bundle must match its sources.
 */
import assert from "node:assert/strict";
import { bundleWorker, WORKER_BUNDLES } from "../lib/dist/worker_bundle.ts";
import { createWorkerUrl, PLAIN_WORKER } from "../lib/pool/context.ts";
import { EventLines } from "../traits/mod.ts";

for (const { entry, url } of WORKER_BUNDLES) {
  Deno.test(`the committed bundle of ${entry} is up to date (else run \`deno task bundle-worker\`)`, async () => {
    const committed = await Deno.readTextFile(url);
    assert.ok(
      committed === await bundleWorker(entry),
      `${url.pathname} is stale: run \`deno task bundle-worker\``,
    );
    // Only Deno's built-in node: modules may be imported (the proto texts a bundle embeds hold `import "...";` lines).
    assert.doesNotMatch(
      committed,
      /^import\s[^"'\n]*from\s*["'](?!node:)|\bimport\(/m,
      "a bundle imports a module",
    );
    assert.ok(!committed.includes("\0"), "a bundle must be text");
  });
}

Deno.test("pool workers start from a blob: URL holding the committed bundle, not from a file", async () => {
  for (
    const [script, bundle] of [[PLAIN_WORKER, WORKER_BUNDLES[0]], [
      new EventLines().workerScript,
      WORKER_BUNDLES[1],
    ]] as const
  ) {
    const url = createWorkerUrl(script);
    try {
      assert.ok(url.startsWith("blob:"), url);
      assert.equal(await (await fetch(url)).text(), await Deno.readTextFile(bundle.url));
    } finally {
      URL.revokeObjectURL(url);
    }
  }
});
