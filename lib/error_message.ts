/**
 * The one way the project turns a caught value into the text of a message.
 *
 * @module
 */

/**
 * The message of an `Error`, or the value as a string when something else was thrown.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./error_message.ts";
 * errorMessage(new Error("disk full")); // "disk full"
 * errorMessage("plain"); // "plain"
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
