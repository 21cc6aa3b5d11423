/**
 * The command line's edges, through the real CLI in child processes: the framework's `cli:*` tasks have
 * the permissions their help names and a refused permission comes with a `deno run` line that works;
 * flags are checked when they are parsed (unknown options, missing values, numbers out of range, extra
 * arguments) with one-line errors of our own; a missing or misnamed fixtures folder or file is one error
 * naming it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Command,
  integerOption,
  MAX_INTEGER_OPTION,
  parseCommandArgs,
  UsageError,
} from "../lib/cli/command.ts";
import { VERSION } from "../lib/version.ts";
import { createPluginProject } from "../lib/scaffold/project.ts";
import { loadFixtures } from "../lib/testing/fixtures.ts";
import { FixtureError } from "../lib/proto/fixture_json.ts";
import { type ProcessOutput, runProcess } from "./helpers/process.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

function cli(args: string[], cwd: string): Promise<ProcessOutput> {
  return runProcess(Deno.execPath(), ["run", "-A", "--no-prompt", "--config", CONFIG, CLI, ...args], cwd);
}

/** `deno task --config <framework>/deno.json <task> ...args`, started in `cwd` as a user would. */
function frameworkTask(task: string, args: string[], cwd: string): Promise<ProcessOutput> {
  return runProcess(Deno.execPath(), ["task", "--quiet", "--config", CONFIG, task, ...args], cwd);
}

async function withProject(fn: (dir: string) => Promise<void>): Promise<void> {
  const parent = await Deno.makeTempDir({ prefix: "review-cli-" });
  try {
    const dir = join(parent, "plugin");
    await createPluginProject({ dir, example: "passthrough" });
    await fn(dir);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}

const fakeCommand: Command = {
  name: "fake",
  summary: "A command for parser tests",
  usage: "[-t MS] [--flag] [NAME]",
  options: {
    timeout: { type: "string", short: "t", valueName: "MS", default: "5000", description: "Limit." },
    flag: { type: "boolean", description: "A flag." },
  },
  maxPositionals: 1,
  run: () => Promise.resolve(0),
};

function usageError(argv: string[]): UsageError {
  try {
    parseCommandArgs(fakeCommand, argv, "tpf");
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e;
  }
  assert.fail(`${argv.join(" ")} parsed`);
}

Deno.test("cli:fixtures from a project writes the fixture, with the permissions its --help names", async () => {
  await withProject(async (dir) => {
    const generated = await frameworkTask("cli:fixtures", ["generate", "events.user_login", "x.json"], dir);
    assert.equal(generated.code, 0, generated.stderr);
    // A NAME ending in .json is taken without it.
    assert.equal(generated.stdout, "Fixture generated: fixtures/5-x.json\n");
    assert.equal(
      JSON.parse(await Deno.readTextFile(join(dir, "fixtures", "5-x.json"))).name,
      "events.user_login",
    );

    const help = await frameworkTask("cli:fixtures", ["--help"], dir);
    assert.equal(help.code, 0, help.stderr);
    assert.match(
      help.stdout,
      /`deno task cli:fixtures`.*\n {2}--allow-read=\. .*\n {2}--allow-write=fixtures /,
    );

    // list-templates reads the project's deno.json to name its `fixtures` task in the listed commands.
    const listed = await frameworkTask("cli:fixtures-list-templates", ["user_login"], dir);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^deno task fixtures generate events\.user_login <name> - /m);
  });
});

Deno.test("a permission refused under a task comes with a deno run line that works", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "review-cli-cwd-" });
  const outside = await Deno.makeTempDir({ prefix: "review-cli-outside-" });
  try {
    const target = join(outside, "plugin");
    const denied = await frameworkTask("cli:new", [target], cwd);
    assert.equal(denied.code, 1);
    const [error, hint, ...rest] = denied.stderr.trimEnd().split("\n");
    assert.deepEqual(rest, []);
    assert.equal(error, `error: reading '${target}' needs --allow-read=${target}`);
    const command = /^hint: add it with deno run \(a task's flags are fixed\): deno (run .*)$/.exec(hint);
    assert.ok(command, hint);
    assert.ok(command[1].includes(`--allow-write=.,${target}`), "grants writing DIR as well, at once");
    const followed = await runProcess(Deno.execPath(), command[1].split(" "), cwd);
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /^Created plugin project /);
    assert.ok((await Deno.stat(join(target, "deno.json"))).isFile);
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("numeric flags are checked when parsed: digits only, from 1 to 2^31-1, negatives named", async () => {
  await withProject(async (dir) => {
    const cases: [string[], string][] = [
      [["-t", "99999999999999999999"], "--timeout must be at most 2147483647 (got 99999999999999999999)"],
      [["-t", "-5"], "--timeout must be a positive integer (got -5)"],
      [["--timeout=0"], "--timeout must be a positive integer (got 0)"],
      [["-c", "1.5"], "--concurrency must be a positive integer (got 1.5)"],
      [["-c", "-1"], "--concurrency must be a positive integer (got -1)"],
    ];
    for (const [flags, message] of cases) {
      const result = await cli(["test", ...flags], dir);
      assert.equal(result.code, 1, flags.join(" "));
      assert.equal(result.stderr, `error: ${message}\n`, flags.join(" "));
      assert.equal(result.stdout, "", "no test run was started");
    }
  });
  const args = { values: { n: "2147483647", m: "2147483648", z: "0" }, positionals: [], program: "tpf" };
  assert.equal(integerOption(args, "n"), MAX_INTEGER_OPTION);
  assert.throws(() => integerOption(args, "m"), /--m must be at most 2147483647 \(got 2147483648\)/);
  assert.equal(integerOption(args, "z", 0), 0);
});

Deno.test("the parser's errors are our own one-liners naming the option and the command", () => {
  assert.equal(usageError(["--nope"]).message, "unknown option --nope for fake");
  assert.equal(usageError(["--nope"]).hint, "see 'tpf fake --help'");
  assert.equal(usageError(["-x"]).message, "unknown option -x for fake");
  assert.equal(usageError(["-t"]).message, "--timeout needs a value");
  assert.equal(usageError(["-t", "--flag"]).message, "--timeout needs a value, got the option '--flag'");
  assert.equal(usageError(["--flag=yes"]).message, "--flag takes no value (got 'yes')");
  assert.equal(usageError(["a", "b"]).message, "unexpected argument 'b' for fake");
  assert.equal(usageError(["a", "b"]).hint, "usage: tpf fake [-t MS] [--flag] [NAME]");

  const parsed = parseCommandArgs(fakeCommand, ["-t", "-5", "--", "--flag"], "tpf");
  assert.equal(parsed.values.timeout, "-5", "a negative number is a value, checked by the option's reader");
  assert.deepEqual(parsed.positionals, ["--flag"]);
  assert.equal(parsed.values.flag, undefined);
  assert.equal(parseCommandArgs(fakeCommand, [], "tpf").values.timeout, "5000");
  assert.equal(parseCommandArgs(fakeCommand, ["a", "b", "--help"], "tpf").values.help, true);
});

Deno.test("--version and --debug work anywhere; unknown options are one line with a hint", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "review-cli-" });
  try {
    for (const args of [["new", "--version"], ["fixtures", "generate", "-V"], ["--version"]]) {
      const version = await cli(args, cwd);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout, `teleport-plugin-framework ${VERSION}\n`);
    }
    const unknown = await cli(["new", "--x"], cwd);
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      "error: unknown option --x for new\nhint: see 'teleport-plugin-framework new --help'\n",
    );
    const debug = await cli(["--debug", "build", "--target", "nope"], cwd);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /^error: UsageError: unknown --target 'nope'\n {4}at /);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("extra arguments are refused; list-templates takes one word as a filter", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "review-cli-" });
  try {
    const login = await cli(["fixtures", "list-templates", "LOGIN"], cwd);
    assert.equal(login.code, 0, login.stderr);
    const lines = login.stdout.trimEnd().split("\n");
    assert.ok(lines.length > 3 && lines.length < 50, `${lines.length} templates match`);
    for (const line of lines) assert.match(line, /login/i);
    assert.match(login.stdout, /fixtures generate events\.user_login <name> - /);

    const nothing = await cli(["fixtures", "list-templates", "zzqq"], cwd);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^error: no fixture template matches 'zzqq'\nhint: .* for all \d+\n$/);

    const two = await cli(["fixtures", "list-templates", "login", "create"], cwd);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /^error: unexpected argument 'create' for fixtures list-templates\n/);

    const three = await cli(["fixtures", "generate", "events.user_login", "a", "b"], cwd);
    assert.match(three.stderr, /^error: unexpected argument 'b' for fixtures generate\n/);

    const demo = await cli(["demo", "extra"], cwd);
    assert.equal(demo.code, 1);
    assert.match(demo.stderr, /^error: unexpected argument 'extra' for demo\n/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("fixtures generate -f naming a file is one error naming the flag and the path", async () => {
  await withProject(async (dir) => {
    await Deno.writeTextFile(join(dir, "afile"), "mine");
    const result = await cli(["fixtures", "generate", "events.user_create", "a", "-f", "afile"], dir);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "error: --fixtures (-f) 'afile' is not a folder\n" +
        "hint: give the folder the fixture goes in (it is created when missing)\n",
    );
    assert.equal(await Deno.readTextFile(join(dir, "afile")), "mine");
  });
});

Deno.test("a missing fixtures folder is one error naming it and --fixtures, before any test runs", async () => {
  await withProject(async (dir) => {
    const named = await cli(["test", "-f", "nope"], dir);
    assert.equal(named.code, 1);
    assert.match(
      named.stderr,
      /^error: the fixtures folder 'nope' does not exist; point --fixtures \(-f\) at the folder of <id>-<name>\.json files/,
    );
    assert.doesNotMatch(named.stdout, /FAIL|compiled/);

    await Deno.remove(join(dir, "fixtures"), { recursive: true });
    const removed = await cli(["test"], dir);
    assert.equal(removed.code, 1);
    assert.match(removed.stderr, /^error: the fixtures folder 'fixtures' does not exist; /);
  });
});

Deno.test("fixtures: a .json file not named <id>-<name>.json is an error naming it; a BOM is accepted", async () => {
  await withProject(async (dir) => {
    const fixtures = join(dir, "fixtures");
    const login = await Deno.readTextFile(join(fixtures, "2-secret-santa-login.json"));
    await Deno.writeTextFile(join(fixtures, "2-secret-santa-login.json"), `\uFEFF${login}`);
    assert.deepEqual([...(await loadFixtures(fixtures)).keys()].sort(), [1, 2, 3, 4]);

    await Deno.writeTextFile(join(fixtures, "foo.json"), login);
    await Deno.writeTextFile(join(fixtures, "notes.txt"), "not JSON, not a fixture");
    await assert.rejects(
      () => loadFixtures(fixtures),
      (e) =>
        e instanceof FixtureError &&
        e.message.startsWith(`${join(fixtures, "foo.json")}: not a fixture file name;`) &&
        e.message.includes("e.g. 5-foo.json"),
    );
    const tested = await cli(["test"], dir);
    assert.equal(tested.code, 1);
    assert.match(tested.stderr, /^error: fixtures\/foo\.json: not a fixture file name; /);
  });
});
