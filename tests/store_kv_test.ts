/**
 * Deno KV store: several processes writing one file at once lose no token (SQLite's "database is locked"
 * is retried).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { KvTokenStore } from "../lib/store/kv.ts";

const TAKER = fileURLToPath(new URL("./helpers/kv_token_taker.ts", import.meta.url));

Deno.test("three processes taking tokens in one KV file at once: every token counts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tpf-kv-" });
  const path = `${dir}/tokens.kv`;
  try {
    // Create the file first, so the children do not race to create it.
    await (await KvTokenStore.open(path)).close();
    const children = Array.from({ length: 3 }, () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", TAKER, path, "shared", "150"],
        stdout: "piped",
        stderr: "piped",
      }).output());
    const outputs = await Promise.all(children);
    for (const output of outputs) {
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
      const last = Number(new TextDecoder().decode(output.stdout).trim());
      assert.ok(last >= 150 && last <= 450, `last count ${last}`);
    }
    const store = await KvTokenStore.open(path);
    try {
      assert.equal(await store.takeToken("shared", 600), 451);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
