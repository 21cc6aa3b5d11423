/**
 * `demo`: the plugin workflow end to end in one command. Creates the `count` example plugin (the README's
 * "lock a user after failed logins" tutorial) in a temporary folder, runs its tests, builds it, and runs it with
 * `run` over the bundled sample Teleport audit log (one day of a small cluster, with a burst of failed logins).
 * Prints what was forwarded, the locks the plugin asked for (a dry run: nothing reaches a real Teleport), and
 * the counters. The folder is removed unless `--keep` is given.
 *
 * @module
 */
import { join } from "node:path";
import { type Command, flagOption } from "./command.ts";
import { runTestsAndReport } from "./test.ts";

/** The `demo` command. */
export const demoCommand: Command = {
  name: "demo",
  summary: "Build the `count` example plugin and run it over a sample audit log",
  usage: "[--keep]",
  description: [
    "Creates the `count` example plugin (lock a user after more than 3 failed logins in 5 minutes) in a",
    "temporary folder, as `new DIR --example count` would, runs its tests, builds it, and runs it with `run`",
    "over the bundled sample Teleport audit log: prints the forwarded events by type, the locks the plugin",
    "asked for (written to a dry-run file, not sent to Teleport) and the pipeline's counters.",
  ].join("\n"),
  options: {
    keep: {
      type: "boolean",
      description: "Keep the temporary folder (plugin, output, locks) to look around.",
    },
  },
  maxPositionals: 0,
  async run(args) {
    const [
      { createPluginProject },
      { buildPlugin },
      { resolveRunSettings },
      { runEvents },
      { formatStatus },
      { SAMPLE_AUDIT_LOG, SAMPLE_AUDIT_LOG_NAME },
    ] = await Promise.all([
      import("../scaffold/project.ts"),
      import("../scaffold/build.ts"),
      import("../run/settings.ts"),
      import("../run/run.ts"),
      import("../pipeline/metrics.ts"),
      import("../../fixtures/audit/mod.ts"),
    ]);
    const dir = await Deno.makeTempDir({ prefix: "teleport-plugin-demo-" });
    try {
      const project = await createPluginProject({ dir, example: "count" });
      console.log(`1. Created the 'count' example plugin in ${dir} (${project.files.length} files):`);
      for (const file of ["assembly/event_handler.ts", "assembly/event_handler.test.ts"]) {
        console.log(`  ${file}`);
      }
      console.log("\n2. Its tests:");
      const tested = await runTestsAndReport({ projectDir: dir });
      if (tested !== 0) return tested;

      const [built] = await buildPlugin(dir, ["production"]);
      console.log(
        `\n3. Built ${built.path} (${built.bytes.toLocaleString("en-US")} bytes, ${
          (built.millis / 1000).toFixed(2)
        } s)`,
      );

      // The sample log goes where Teleport would keep it: a folder of dated *.log files.
      const auditLog = join(dir, "audit-log");
      await Deno.mkdir(auditLog);
      await Deno.writeTextFile(join(auditLog, SAMPLE_AUDIT_LOG_NAME), SAMPLE_AUDIT_LOG);
      const forwarded = join(dir, "forwarded.jsonl");
      const locks = join(dir, "locks.jsonl");
      const value = (v: string | boolean) => ({ value: v, origin: "demo" });
      const settings = resolveRunSettings({
        plugin: value(join(dir, built.path)),
        from: value(`file:${auditLog}`),
        to: value(`file:${forwarded}`),
        follow: value(false),
        "state-dir": value(join(dir, "state")),
        api: value(`dry-run:${locks}`),
        "status-interval": value("0"),
      });
      console.log(
        `\n4. run --plugin ${built.path} --from file:<bundled sample audit log> --to file:forwarded.jsonl`,
      );
      const summary = await runEvents(settings);

      console.log("\nForwarded events by type:");
      const byType = new Map<string, number>();
      for (const line of (await Deno.readTextFile(forwarded)).split("\n")) {
        if (line === "") continue;
        const type = String(JSON.parse(line).event);
        byType.set(type, (byType.get(type) ?? 0) + 1);
      }
      const rows = [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const width = Math.max(...rows.map(([type]) => type.length));
      for (const [type, count] of rows) console.log(`  ${type.padEnd(width)}  ${String(count).padStart(4)}`);

      console.log("\nLocks the plugin asked for (a dry run: written to locks.jsonl, not sent to Teleport):");
      // The example asks again at every failed login beyond the third; requests that name the same lock (made
      // within the same second) are one lock in Teleport, so they are shown once with how often they came.
      const requests = new Map<string, number>();
      for (const line of (await Deno.readTextFile(locks)).split("\n")) {
        if (line === "") continue;
        const { lock } = JSON.parse(line) as {
          lock: { metadata: { name: string }; spec: { target: unknown; message?: string; expires?: string } };
        };
        const shown =
          `${lock.metadata.name}: target ${JSON.stringify(lock.spec.target)}, "${lock.spec.message ?? ""}"` +
          (lock.spec.expires ? `, expires ${lock.spec.expires}` : "");
        requests.set(shown, (requests.get(shown) ?? 0) + 1);
      }
      if (requests.size === 0) console.log("  none");
      for (const [shown, times] of requests) {
        console.log(`  ${shown}${times > 1 ? ` (asked ${times} times)` : ""}`);
      }
      console.log(`\nCounters: ${formatStatus(summary.counters)}`);
      return 0;
    } finally {
      if (flagOption(args, "keep")) console.log(`\nThe plugin and its output are in ${dir}`);
      else await Deno.remove(dir, { recursive: true });
    }
  },
};
