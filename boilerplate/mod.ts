/**
 * The plugin project template, embedded as text so that `new` works from a compiled binary or a URL without
 * reading this source tree. The AssemblyScript files here are not part of the Deno program: they are
 * written into new plugin projects and compiled there by asc.
 *
 * @module
 */
import indexTs from "./assembly/index.ts" with { type: "text" };
import testTs from "./vendor/test.ts" with { type: "text" };
import storeTs from "./vendor/store.ts" with { type: "text" };
import apiTs from "./vendor/api.ts" with { type: "text" };
import asconfig from "./asconfig.json" with { type: "text" };
import tsconfig from "./tsconfig.json" with { type: "text" };
import gitignore from "./gitignore" with { type: "text" };
import vscodeSettings from "./vscode/settings.json" with { type: "text" };
import passthroughHandler from "./examples/passthrough/event_handler.ts" with { type: "text" };
import passthroughTest from "./examples/passthrough/event_handler.test.ts" with { type: "text" };
import skipHandler from "./examples/skip/event_handler.ts" with { type: "text" };
import skipTest from "./examples/skip/event_handler.test.ts" with { type: "text" };
import modifyHandler from "./examples/modify/event_handler.ts" with { type: "text" };
import modifyTest from "./examples/modify/event_handler.test.ts" with { type: "text" };
import countHandler from "./examples/count/event_handler.ts" with { type: "text" };
import countTest from "./examples/count/event_handler.test.ts" with { type: "text" };

/** The example plugins `new --example` offers: the original README's four tutorials. */
export const EXAMPLE_NAMES = ["passthrough", "skip", "modify", "count"] as const;

/** Name of one example plugin. */
export type ExampleName = typeof EXAMPLE_NAMES[number];

/** The two files that make up an example: the plugin and its test. */
export interface ExampleSources {
  /** `assembly/event_handler.ts`. */
  readonly handler: string;
  /** `assembly/event_handler.test.ts`. */
  readonly test: string;
}

/** The example plugins' sources by name. */
export const EXAMPLES: Readonly<Record<ExampleName, ExampleSources>> = {
  passthrough: { handler: passthroughHandler, test: passthroughTest },
  skip: { handler: skipHandler, test: skipTest },
  modify: { handler: modifyHandler, test: modifyTest },
  count: { handler: countHandler, test: countTest },
};

/**
 * Files every plugin project gets, by path relative to the project folder. Generated parts (the Teleport
 * bindings, the AssemblyScript type definitions, `deno.json`, fixtures) are added by the scaffolder.
 */
export const PROJECT_FILES: Readonly<Record<string, string>> = {
  "assembly/index.ts": indexTs,
  "vendor/test.ts": testTs,
  "vendor/store.ts": storeTs,
  "vendor/api.ts": apiTs,
  "asconfig.json": asconfig,
  "tsconfig.json": tsconfig,
  ".gitignore": gitignore,
  ".vscode/settings.json": vscodeSettings,
};
