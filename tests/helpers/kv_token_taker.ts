/**
 * Child process for the Deno KV store tests: takes `COUNT` tokens in `SCOPE` from the KV file at `PATH`
 * as fast as it can, then prints the last count. Usage: `kv_token_taker.ts PATH SCOPE COUNT`.
 *
 * @module
 */
import { KvTokenStore } from "../../lib/store/kv.ts";

const [path, scope, count] = Deno.args;
const store = await KvTokenStore.open(path);
let last = 0;
try {
  for (let i = 0; i < Number(count); i++) last = await store.takeToken(scope, 600);
} finally {
  await store.close();
}
console.log(last);
