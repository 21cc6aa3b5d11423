/**
 * `demo` (issue 5's main job): builds the `count` example, runs it with `run` over the bundled sample audit log,
 * and prints the forwarded events by type, the locks the plugin asked for, and the counters.
 */
import assert from "node:assert/strict";
import { MALLORY_FAILED_LOGINS, SECRET_SANTA_LOGINS } from "../fixtures/audit/generate.ts";
import { SAMPLE_AUDIT_LOG } from "../fixtures/audit/mod.ts";
import { CLI } from "./run_support.ts";

Deno.test("demo runs the count example over the sample audit log and shows forwards, locks and counters", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", CLI, "demo"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, stdout + new TextDecoder().decode(output.stderr));
  const events = SAMPLE_AUDIT_LOG.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));

  // Every sample event was forwarded: the table counts them by type.
  const logins = events.filter((event) => event.event === "user.login").length;
  assert.ok(logins > MALLORY_FAILED_LOGINS + SECRET_SANTA_LOGINS);
  assert.match(stdout, new RegExp(`^ {2}user\\.login +${logins}$`, "m"));
  // The fourth and every later failed login of mallory asked for a lock; requests naming the same lock are
  // one line with how often they came.
  const locks = [
    ...stdout.matchAll(
      /^ {2}plugin-lock-mallory-\d+: target \{"user":"mallory","login":"mallory"\}.*?(?: \(asked (\d+) times\))?$/gm,
    ),
  ];
  assert.ok(locks.length > 0, stdout);
  assert.equal(locks.reduce((sum, lock) => sum + Number(lock[1] ?? 1), 0), MALLORY_FAILED_LOGINS - 3);
  // It ends with the counters.
  const last = stdout.trimEnd().split("\n").at(-1)!;
  assert.match(
    last,
    new RegExp(`^Counters: in=${events.length} out=${events.length} dropped=0 modified=0 errors=0 `),
  );
});
