/**
 * Loads a plugin project's fixtures for a test run: every `<id>-<name>.json` of the fixtures folder is
 * parsed and validated against the schema before any test runs, so a bad fixture is reported once, by file
 * and field path, instead of failing whichever test happens to load it.
 *
 * @module
 */
import { encodeFixture, type FixtureOptions } from "../proto/fixture_json.ts";
import { listFixtureFiles } from "../scaffold/fixture_files.ts";

/**
 * Reads, validates and encodes every fixture in `dir`, by id. A missing folder gives no fixtures.
 *
 * @throws {FixtureError} for the first invalid fixture: `<file>: <field path>: <problem>`.
 */
export async function loadFixtures(
  dir: string,
  options: FixtureOptions = {},
): Promise<Map<number, Uint8Array>> {
  let files;
  try {
    files = await listFixtureFiles(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return new Map();
    throw e;
  }
  const fixtures = new Map<number, Uint8Array>();
  for (const file of files) {
    fixtures.set(file.id, encodeFixture(await Deno.readTextFile(file.path), file.path, options));
  }
  return fixtures;
}
