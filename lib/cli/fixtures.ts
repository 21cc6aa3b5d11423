/**
 * `fixtures list-templates` and `fixtures generate TEMPLATE NAME [-f DIR]`: list the event fixture templates
 * of the bundled schema and write a new fixture from one of them.
 *
 * @module
 */
import { relative } from "node:path";
import { closeTemplateNames, fixtureTemplates, renderFixture } from "../scaffold/fixture_templates.ts";
import { invalidFixtureName, writeNextFixture } from "../scaffold/fixture_files.ts";
import { bundledSchema } from "../proto/schema.ts";
import { type Command, stringOption, UsageError } from "./command.ts";

/** `fixtures` on its own: names the sub-commands, so a bare or mistyped one gets a useful answer. */
export const fixturesCommand: Command = {
  name: "fixtures",
  summary: "Fixture commands: list-templates, generate",
  usage: "list-templates | generate TEMPLATE NAME [-f DIR]",
  description: "Test fixtures are events in fixtures/<id>-<name>.json. Sub-commands:\n" +
    "  list-templates            list the templates, one per event type\n" +
    "  generate TEMPLATE NAME    write fixtures/<next id>-NAME.json from a template",
  options: {},
  run(args) {
    const [sub] = args.positionals;
    throw new UsageError(
      sub === undefined ? "fixtures needs a sub-command" : `unknown fixtures sub-command '${sub}'`,
      `use '${args.program} fixtures list-templates' or '${args.program} fixtures generate TEMPLATE NAME'`,
    );
  },
};

/** The `fixtures list-templates` command. */
export const fixturesListTemplatesCommand: Command = {
  name: "fixtures list-templates",
  summary: "List the event fixture templates and the command that generates each",
  usage: "[WORD]",
  description: "Lists one fixture template per event type of the bundled schema, with its description and\n" +
    "the exact command that writes a fixture from it. With WORD, lists only the templates whose name,\n" +
    "description or event type contains it (ignoring case), e.g. 'login'.",
  options: {},
  maxPositionals: 1,
  async run(args) {
    const [word] = args.positionals;
    const prefix = await fixturesCommandPrefix(args.program);
    const templates = fixtureTemplates(bundledSchema().root);
    const listed = word === undefined
      ? templates
      : templates.filter((template) =>
        [template.name, template.description, template.eventType ?? ""].some((text) =>
          text.toLowerCase().includes(word.toLowerCase())
        )
      );
    if (listed.length === 0) {
      throw new UsageError(
        `no fixture template matches '${word}'`,
        `run '${prefix} list-templates' for all ${templates.length}`,
      );
    }
    for (const template of listed) {
      const eventType = template.eventType ? `, ${template.eventType}` : "";
      console.log(
        `${prefix} generate ${template.name} <name> - ${template.description} (types.OneOf${eventType})`,
      );
    }
    return 0;
  },
};

/** The `fixtures generate` command. */
export const fixturesGenerateCommand: Command = {
  name: "fixtures generate",
  summary: "Write a new fixture from a template: fixtures/<next id>-NAME.json",
  usage: "TEMPLATE NAME [-f DIR]",
  description: "Writes DIR/<next id>-NAME.json from TEMPLATE (see 'fixtures list-templates') with a fresh\n" +
    "event id and time (a NAME ending in .json is taken without it). Load it in a test with\n" +
    "getFixture(<id>) or getFixtureAsHandleEventRequest(<id>).",
  options: {
    fixtures: {
      type: "string",
      short: "f",
      valueName: "DIR",
      default: "fixtures",
      description: "The fixtures folder.",
    },
  },
  maxPositionals: 2,
  async run(args) {
    const [templateName, nameArgument] = args.positionals;
    const usage = `${args.program} fixtures generate TEMPLATE NAME`;
    if (templateName === undefined || nameArgument === undefined) {
      throw new UsageError("fixtures generate needs a TEMPLATE and a NAME", `usage: ${usage}`);
    }
    // The file gets `.json` anyway: `login.json` means the name `login`, not `5-login.json.json`.
    const name = nameArgument.replace(/\.json$/i, "");
    const invalid = invalidFixtureName(name);
    if (invalid) throw new UsageError(invalid, "for example: supervisor-login");
    const root = bundledSchema().root;
    const templates = fixtureTemplates(root);
    const template = templates.find((t) => t.name === templateName);
    if (!template) {
      const close = closeTemplateNames(templateName, templates);
      throw new UsageError(
        `unknown fixture template '${templateName}'` +
          (close.length ? `; did you mean ${close.join(", ")}?` : ""),
        `run '${await fixturesCommandPrefix(args.program)} list-templates' for the list`,
      );
    }
    const dir = stringOption(args, "fixtures") ?? "fixtures";
    if ((await statOrUndefined(dir))?.isDirectory === false) {
      throw new UsageError(
        `--fixtures (-f) '${dir}' is not a folder`,
        "give the folder the fixture goes in (it is created when missing)",
      );
    }
    const path = await writeNextFixture(dir, name, renderFixture(root, template, name));
    console.log(`Fixture generated: ${relative(Deno.cwd(), path)}`);
    return 0;
  },
};

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * How the user calls the fixtures commands from here: `deno task fixtures` inside a plugin project (its
 * `deno.json` has that task), the program's own name elsewhere.
 */
async function fixturesCommandPrefix(program: string): Promise<string> {
  try {
    const config = JSON.parse(await Deno.readTextFile("deno.json"));
    if (typeof config?.tasks?.fixtures === "string") return "deno task fixtures";
  } catch {
    // No readable project config here: fall back to the program name.
  }
  return `${program} fixtures`;
}
