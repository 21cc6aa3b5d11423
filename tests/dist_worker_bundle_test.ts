/**
 * Pool workers run from the committed bundles `lib/dist/*worker_bundle.js`, through `blob:` URLs, so starting a
 * worker reads nothing from disk. Each bundle must match its sources.
 */
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import {
  bundleWorker,
  SCHEMA_DESCRIPTOR_URL,
  schemaDescriptorText,
  WORKER_BUNDLES,
} from "../lib/dist/worker_bundle.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";
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

Deno.test("the committed schema descriptor is up to date and converts exactly as the .proto texts do", async () => {
  const committed = await Deno.readTextFile(SCHEMA_DESCRIPTOR_URL);
  assert.ok(
    committed === schemaDescriptorText(),
    "lib/dist/schema_descriptor.json is stale: run `deno task bundle-worker`",
  );
  const fromTexts = new TeleportJsonCodec();
  const fromDescriptor = new TeleportJsonCodec({ root: protobuf.Root.fromJSON(JSON.parse(committed)) });
  const dir = new URL("../fixtures/audit/", import.meta.url);
  let lines = 0;
  for await (const { name } of Deno.readDir(dir)) {
    if (!name.endsWith(".log")) continue;
    for (const line of (await Deno.readTextFile(new URL(name, dir))).split("\n").filter(Boolean)) {
      const a = fromTexts.toEvent(line, 1);
      const b = fromDescriptor.toEvent(line, 1);
      assert.deepEqual(b.wrapped, a.wrapped, line);
      assert.equal(fromDescriptor.renderMessage(b.bytes), fromTexts.renderMessage(a.bytes), line);
      lines++;
    }
  }
  assert.ok(lines >= 300, `only ${lines} sample lines`);
});

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
