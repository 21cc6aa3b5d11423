/**
 * `new DIR [--example passthrough|skip|modify|count]`: creates a plugin project.
 *
 * @module
 */
import { EXAMPLE_NAMES, type ExampleName } from "../../boilerplate/mod.ts";
import { createPluginProject, ProjectExistsError } from "../scaffold/project.ts";
import { type Command, type OptionSpec, stringOption, UsageError } from "./command.ts";

/** The hint for commands run outside a plugin project. */
export const PROJECT_HINT = "run it in a plugin project folder or pass -d DIR; 'new DIR' creates a project";

/** The `--dir`/`-d` option of the commands that work on a plugin project (see {@linkcode PROJECT_HINT}). */
export const PROJECT_DIR_OPTION: OptionSpec = {
  type: "string",
  short: "d",
  valueName: "DIR",
  default: ".",
  description: "The plugin project folder.",
};

/** The `new` command. */
export const newCommand: Command = {
  name: "new",
  summary: "Create a plugin project (AssemblyScript sources, tests, fixtures, Teleport bindings)",
  usage: "DIR [--example passthrough|skip|modify|count]",
  description: [
    "Creates a plugin project in DIR (which must not exist or be empty): assembly/ with the plugin and its",
    "test, fixtures/ with four sample events, vendor/ with the Teleport message classes and host bindings,",
    "and deno.json with the tasks `test` and `build`. Examples follow the README's tutorials.",
  ].join("\n"),
  options: {
    example: {
      type: "string",
      short: "e",
      valueName: "NAME",
      default: "passthrough",
      description: `Example plugin to start from: ${EXAMPLE_NAMES.join(", ")}.`,
    },
  },
  async run(args) {
    const [dir, ...extra] = args.positionals;
    if (dir === undefined) {
      throw new UsageError("new needs the project folder", `usage: ${args.program} new DIR [--example NAME]`);
    }
    if (dir === "") {
      throw new UsageError(
        "the project folder name is empty",
        `usage: ${args.program} new DIR [--example NAME]`,
      );
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const example = stringOption(args, "example") ?? "passthrough";
    if (!EXAMPLE_NAMES.includes(example as ExampleName)) {
      throw new UsageError(`unknown example '${example}'`, `choose one of ${EXAMPLE_NAMES.join(", ")}`);
    }
    try {
      const project = await createPluginProject({ dir, example: example as ExampleName });
      console.log(`Created plugin project ${dir} (${project.files.length} files, example: ${example}).`);
      console.log("");
      console.log("Next:");
      console.log(`  cd ${dir} && deno task test`);
      return 0;
    } catch (e) {
      if (e instanceof ProjectExistsError) {
        throw new UsageError(e.message, "choose a new folder name, or empty this one");
      }
      throw e;
    }
  },
};
