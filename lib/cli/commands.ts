/**
 * The list of CLI commands, in the order `--help` shows them. Each command is its own module.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { genCommand } from "./gen.ts";

/** Every command the CLI offers. */
export const commands: readonly Command[] = [genCommand];
