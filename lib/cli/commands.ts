/**
 * The list of CLI commands, in the order `--help` shows them. Each command is its own module.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { genCommand } from "./gen.ts";
import { newCommand } from "./new.ts";
import { fixturesCommand, fixturesGenerateCommand, fixturesListTemplatesCommand } from "./fixtures.ts";
import { buildCommand } from "./build.ts";
import { testCommand } from "./test.ts";
import { demoCommand } from "./demo.ts";
import { runCommand } from "./run.ts";

/** Every command the CLI offers. */
export const commands: readonly Command[] = [
  newCommand,
  fixturesCommand,
  fixturesListTemplatesCommand,
  fixturesGenerateCommand,
  testCommand,
  buildCommand,
  runCommand,
  genCommand,
  demoCommand,
];
