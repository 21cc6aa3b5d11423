/**
 * Loads a plugin project's fixtures for a test run: every `<id>-<name>.json` of the fixtures folder is
 * parsed and validated against the schema before any test runs, so a bad fixture is reported once, by file
 * and field path, instead of failing whichever test happens to load it.
 *
 * @module
 */
import { join } from "node:path";
import { encodeFixture, FixtureError, type FixtureOptions } from "../proto/fixture_json.ts";
import { readFixtureFolder } from "../scaffold/fixture_files.ts";

/**
 * Reads, validates and encodes every fixture in `dir`, by id. A leading UTF-8 byte order mark is allowed.
 *
 * @throws {Deno.errors.NotFound} when `dir` does not exist, naming it (and `--fixtures`, which sets it).
 * @throws {FixtureError} for the first invalid fixture (`<file>: <field path>: <problem>`), and for a `.json`
 * file in `dir` that is not named `<id>-<name>.json`: tests could not load it, though it was surely meant
 * as a fixture.
 */
export async function loadFixtures(
  dir: string,
  options: FixtureOptions = {},
): Promise<Map<number, Uint8Array>> {
  let folder;
  try {
    folder = await readFixtureFolder(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      const problem = e instanceof Deno.errors.NotFound ? "does not exist" : "is not a folder";
      throw new Deno.errors.NotFound(
        `the fixtures folder '${dir}' ${problem}; point --fixtures (-f) at the folder of <id>-<name>.json ` +
          "files (or create it)",
      );
    }
    throw e;
  }
  const { files, strays } = folder;
  if (strays.length > 0) {
    const next = (files.at(-1)?.id ?? 0) + 1;
    throw new FixtureError(
      `${join(dir, strays[0])}: not a fixture file name; fixtures are named <id>-<name>.json, ` +
        `e.g. ${next}-${strays[0].replace(/\.json$/i, "")}.json (tests load them with getFixture(<id>))`,
    );
  }
  const fixtures = new Map<number, Uint8Array>();
  for (const file of files) {
    // Some editors save UTF-8 with a byte order mark; JSON.parse would reject it.
    const text = (await Deno.readTextFile(file.path)).replace(/^\uFEFF/, "");
    fixtures.set(file.id, encodeFixture(text, file.path, options));
  }
  return fixtures;
}
