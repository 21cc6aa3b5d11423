/**
 * The generated part of a plugin project's `vendor/` folder: the AssemblyScript classes of the bundled
 * Teleport schema (`teleport/`) and the `HandleEventBase` class (`handle_event.ts`).
 *
 * @module
 */
import { generateAssemblyScript } from "../codegen/generate.ts";
import { generateHandleEventBase } from "../codegen/handle_event.ts";
import { bundledSchema } from "../proto/schema.ts";

/** The folder, inside `vendor/`, that holds the generated message classes. */
export const TELEPORT_BINDINGS_DIR = "teleport";

/**
 * Generates the vendor files from the bundled schema, by path relative to `vendor/`:
 * `teleport/index.ts` (namespaces `events`, `plugin`, `types`, `google`, `wrappers`), the per-package
 * modules, and `handle_event.ts`.
 */
export function teleportBindings(): Record<string, string> {
  const { root } = bundledSchema();
  const files: Record<string, string> = {};
  for (const [path, text] of generateAssemblyScript(root)) files[`${TELEPORT_BINDINGS_DIR}/${path}`] = text;
  files["handle_event.ts"] = generateHandleEventBase(root, { importPath: `./${TELEPORT_BINDINGS_DIR}` });
  return files;
}
