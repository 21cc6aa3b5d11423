/**
 * Fixture files on disk: `<id>-<name>.json` in a fixtures folder, ids numbered from 1. Tests refer to
 * fixtures by id (`getFixture(5)`), so ids must be unique within a folder.
 *
 * @module
 */
import { join } from "node:path";
import type { FixtureDocument } from "./fixture_templates.ts";

/** A fixture file name: id, dash, name, `.json`. */
export const FIXTURE_FILE_PATTERN: RegExp = /^(\d+)-(.+)\.json$/;

/** A fixture file found in a folder. */
export interface FixtureFileEntry {
  /** The number tests use to load it. */
  id: number;
  /** The file name, e.g. `5-supervisor.json`. */
  fileName: string;
  /** Full path. */
  path: string;
}

/** What a fixtures folder holds: its fixture files and the `.json` files not named like one. */
export interface FixtureFolder {
  /** The fixture files, by id. */
  files: FixtureFileEntry[];
  /** Names of `.json` files that do not match `<id>-<name>.json` (probably meant as fixtures). */
  strays: string[];
}

/**
 * Reads the fixtures folder `dir`: its fixture files by id and the `.json` files not named
 * `<id>-<name>.json`. Two files with one id are an error naming both, because `getFixture(id)` would be
 * ambiguous.
 */
export async function readFixtureFolder(dir: string): Promise<FixtureFolder> {
  const byId = new Map<number, FixtureFileEntry>();
  const strays: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const match = FIXTURE_FILE_PATTERN.exec(entry.name);
    if (!match) {
      if (/\.json$/i.test(entry.name)) strays.push(entry.name);
      continue;
    }
    const id = Number(match[1]);
    const existing = byId.get(id);
    if (existing) {
      throw new Error(
        `fixtures ${existing.fileName} and ${entry.name} in ${dir} share id ${id}; rename one of them`,
      );
    }
    byId.set(id, { id, fileName: entry.name, path: join(dir, entry.name) });
  }
  return { files: [...byId.values()].sort((a, b) => a.id - b.id), strays: strays.sort() };
}

/**
 * Lists the fixture files of `dir` by id. Files that do not match `<id>-<name>.json` are ignored; two files
 * with one id are an error naming both, because `getFixture(id)` would be ambiguous.
 */
export async function listFixtureFiles(dir: string): Promise<FixtureFileEntry[]> {
  return (await readFixtureFolder(dir)).files;
}

/** The id a new fixture in `dir` gets: one more than the highest, or 1 (also when `dir` does not exist). */
export async function nextFixtureId(dir: string): Promise<number> {
  try {
    const files = await listFixtureFiles(dir);
    return files.length === 0 ? 1 : files[files.length - 1].id + 1;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 1;
    throw e;
  }
}

/** Checks that `name` can be the name part of a fixture file; returns a reason when it cannot. */
export function invalidFixtureName(name: string): string | undefined {
  if (name === "") return "the fixture name is empty";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    return `fixture name '${name}' may only contain letters, digits, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * Writes `fixture` as `dir/<next id>-<name>.json` (creating `dir` if needed) and returns the path written.
 * Never overwrites: the file is created exclusively.
 */
export async function writeNextFixture(dir: string, name: string, fixture: FixtureDocument): Promise<string> {
  const reason = invalidFixtureName(name);
  if (reason) throw new Error(reason);
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, `${await nextFixtureId(dir)}-${name}.json`);
  await Deno.writeTextFile(path, JSON.stringify(fixture, null, 2) + "\n", { createNew: true });
  return path;
}
