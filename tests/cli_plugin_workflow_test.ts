/**
 * The plugin author's workflow through the real CLI in child processes: `new`, the project's own
 * `deno task test` and `deno task fixtures`, `test` exit codes, `build`, `--help`, and one-line errors.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function deno(args: string[], cwd?: string): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

function cli(args: string[], cwd?: string): Promise<Run> {
  return deno(["run", "-A", "--no-prompt", "--config", CONFIG, CLI, ...args], cwd);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plugin-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("new --example count, then the project's `deno task test` passes and shows the plugin's trace", async () => {
  await withTempDir(async (parent) => {
    const dir = join(parent, "my-plugin");
    const created = await cli(["new", dir, "--example", "count"]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created plugin project .*my-plugin/);

    const tested = await deno(["task", "test"], dir);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /compiled assembly\/event_handler\.test\.ts/);
    assert.match(tested.stdout, /Suspicious login activity detected, attempts made: 4/);
    assert.match(tested.stdout, /ok {4}test \((\d+ ms|\d+\.\d+ s)\)/);
    assert.match(tested.stdout, /1 passed, 0 failed/);
    assert.match(tested.stdout, /Success!/);

    // Unchanged sources: the test build is reused; any change to an AssemblyScript file recompiles.
    const again = await deno(["task", "test"], dir);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^reused assembly\/event_handler\.test\.ts /m);
    await Deno.writeTextFile(join(dir, "assembly", "event_handler.ts"), "\n// edited\n", { append: true });
    const edited = await deno(["task", "test"], dir);
    assert.equal(edited.code, 0, edited.stdout + edited.stderr);
    assert.match(edited.stdout, /^compiled assembly\/event_handler\.test\.ts /m);

    const generated = await deno(["task", "fixtures", "generate", "events.user_create", "supervisor"], dir);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, /^Fixture generated: fixtures\/5-supervisor\.json$/m);
    const fixture = JSON.parse(await Deno.readTextFile(join(dir, "fixtures", "5-supervisor.json")));
    assert.equal(fixture.type, "types.OneOf");
    assert.equal(fixture.data.UserCreate.Metadata.Type, "user.create");
    assert.match(fixture.data.UserCreate.Metadata.ID, /^[0-9a-f-]{36}$/);

    const templates = await deno(["task", "fixtures", "list-templates"], dir);
    assert.equal(templates.code, 0, templates.stderr);
    assert.match(
      templates.stdout,
      /^deno task fixtures generate events\.user_login <name> - .* \(types\.OneOf, user\.login\)$/m,
    );

    const unknown = await deno(["task", "fixtures", "generate", "events.user_creat", "x"], dir);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^error: unknown fixture template 'events\.user_creat'; did you mean events\.user_create/m,
    );
    assert.match(unknown.stderr, /^hint: run '.*fixtures list-templates' for the list$/m);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, "no stack trace without --debug");
  });
});

Deno.test("test exits 1 and names the failed assert's message and location", async () => {
  await withTempDir(async (parent) => {
    const dir = join(parent, "p");
    assert.equal((await cli(["new", dir])).code, 0);
    await Deno.writeTextFile(
      join(dir, "assembly", "event_handler.test.ts"),
      `export function testFails(): void {\n    assert(1 + 1 == 3, "arithmetic is broken");\n}\n`,
    );
    const run = await cli(["test", "-d", dir]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /FAIL {2}testFails/);
    assert.match(run.stdout, /arithmetic is broken/);
    assert.match(run.stdout, /at assembly\/event_handler\.test\.ts:2:5/);
    assert.match(run.stdout, /0 passed, 1 failed/);
  });
});

Deno.test("test with a bad fixture exits 1 with one line naming file and field, and runs nothing", async () => {
  await withTempDir(async (parent) => {
    const dir = join(parent, "p");
    assert.equal((await cli(["new", dir])).code, 0);
    await Deno.writeTextFile(
      join(dir, "fixtures", "5-broken.json"),
      JSON.stringify({ type: "types.OneOf", data: { UserLogin: { Metadata: { Index: "many" } } } }),
    );
    const run = await cli(["test", "-d", dir]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: .*5-broken\.json: data\.UserLogin\.Metadata\.Index: /m);
    assert.match(run.stderr, /^hint: fix the fixture; no test was run$/m);
    assert.doesNotMatch(run.stdout, /compiled/);
  });
});

Deno.test("build --target debug writes build/debug.wasm and prints its path from the cwd, size and time", async () => {
  await withTempDir(async (parent) => {
    const dir = join(parent, "p");
    assert.equal((await cli(["new", dir])).code, 0);
    const run = await cli(["build", "--target", "debug", "-d", "p"], parent);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^p\/build\/debug\.wasm {2}[\d.]+ KiB {2}[\d.]+ s$/m);
    const wasm = await Deno.readFile(join(dir, "build", "debug.wasm"));
    assert.ok(WebAssembly.validate(wasm));
    const bad = await cli(["build", "--target", "fast", "-d", dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: unknown --target 'fast'\nhint: use production or debug\n$/);
  });
});

Deno.test("new refuses a non-empty folder with one line and a hint", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "keep.txt"), "");
    const run = await cli(["new", dir]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: .* already exists and is not empty\nhint: /);
    const unknownExample = await cli(["new", join(dir, "x"), "--example", "lock"]);
    assert.equal(unknownExample.code, 1);
    assert.match(
      unknownExample.stderr,
      /^error: unknown example 'lock'\nhint: choose one of passthrough, skip, modify, count\n$/,
    );
  });
});

Deno.test("new refuses an empty DIR instead of writing the project into the current folder", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
    const run = await cli(["new", ""], dir);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      "error: the project folder name is empty\nhint: usage: teleport-plugin-framework new DIR [--example NAME]\n",
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);
  });
});

Deno.test("new that fails part way removes what it wrote and keeps the folders it did not create", async () => {
  await withTempDir(async (dir) => {
    // Writing vendor/ is denied, so the run fails after assembly/ is written.
    const failing = (project: string) =>
      deno([
        "run",
        "-A",
        `--deny-write=${join(project, "vendor")}`,
        "--no-prompt",
        "--config",
        CONFIG,
        CLI,
        "new",
        project,
      ]);
    const fresh = join(dir, "parent", "fresh");
    const run = await failing(fresh);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^error: writing '${join(fresh, "vendor")}' needs --allow-write=`));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);

    const empty = join(dir, "empty");
    await Deno.mkdir(empty);
    assert.equal((await failing(empty)).code, 1);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["empty"]);
    assert.deepEqual([...Deno.readDirSync(empty)].map((e) => e.name), []);
  });
});

Deno.test("demo scaffolds the count example in a temporary folder, tests it, shows the lock, cleans up", async () => {
  const run = await cli(["demo"]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const dir = /Created the 'count' example plugin in (\S+) /.exec(run.stdout)?.[1];
  assert.ok(dir, run.stdout);
  assert.match(run.stdout, /Suspicious login activity detected, attempts made: 4/);
  assert.match(
    run.stdout,
    /upsertLock \{"kind":"lock","version":"v2",.*"target":\{"user":"foo","login":"foo"\}/,
  );
  assert.match(run.stdout, /1 passed, 0 failed/);
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
});

Deno.test("every workflow command has --help", async () => {
  for (
    const command of [
      ["new"],
      ["fixtures", "list-templates"],
      ["fixtures", "generate"],
      ["test"],
      ["build"],
      ["demo"],
    ]
  ) {
    const run = await cli([...command, "--help"]);
    assert.equal(run.code, 0, `${command.join(" ")}: ${run.stderr}`);
    assert.match(run.stdout, new RegExp(`^Usage: \\S+ ${command.join(" ")}`));
  }
  const list = await cli(["fixtures", "list-templates"]);
  assert.equal(list.code, 0);
  assert.match(
    list.stdout,
    /fixtures generate events\.user_create <name> - User created \(types\.OneOf, user\.create\)/,
  );
});
