/**
 * `demo`: the quickest look at the plugin workflow. Creates the `count` example plugin (the README's
 * "lock a user after failed logins" tutorial) in a temporary folder, runs its tests, and removes the folder
 * unless `--keep` is given.
 *
 * @module
 */
import { type Command, flagOption } from "./command.ts";
import { runTestsAndReport } from "./test.ts";

/** The `demo` command. */
export const demoCommand: Command = {
  name: "demo",
  summary: "Create the `count` example plugin in a temporary folder and run its tests",
  usage: "[--keep]",
  description: [
    "Creates the `count` example plugin (lock a user after more than 3 failed logins in 5 minutes) in a",
    "temporary folder, as `new DIR --example count` would, and runs its tests as `deno task test` would.",
  ].join("\n"),
  options: {
    keep: { type: "boolean", description: "Keep the temporary plugin folder to look around." },
  },
  async run(args) {
    const { createPluginProject } = await import("../scaffold/project.ts");
    const dir = await Deno.makeTempDir({ prefix: "teleport-plugin-demo-" });
    try {
      const project = await createPluginProject({ dir, example: "count" });
      console.log(`Created the 'count' example plugin in ${dir} (${project.files.length} files):`);
      for (
        const file of [
          "assembly/event_handler.ts",
          "assembly/event_handler.test.ts",
          "fixtures/4-failed-login.json",
        ]
      ) {
        console.log(`  ${file}`);
      }
      console.log("");
      return await runTestsAndReport({ projectDir: dir });
    } finally {
      if (flagOption(args, "keep")) console.log(`\nThe plugin is in ${dir}`);
      else await Deno.remove(dir, { recursive: true });
    }
  },
};
