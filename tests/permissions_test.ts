/**
 * Least privilege: the CLI works from a checkout with read and write limited to a temporary folder (assets
 * are module imports, workers start from an embedded bundle), a missing permission is one line naming the
 * flag, and deno.json's `cli:*` tasks are the ones the permission sets generate.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  COMMAND_PERMISSIONS,
  commandTasks,
  describePermissionError,
  permissionFlags,
} from "../lib/dist/permissions.ts";
import { commands } from "../lib/cli/commands.ts";
import frameworkConfig from "../deno.json" with { type: "json" };
import { type ProcessOutput, runProcess } from "./helpers/process.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/** Runs the CLI from this checkout with the given permission flags. */
function cli(cwd: string, flags: string[], args: string[]): Promise<ProcessOutput> {
  return runProcess(Deno.execPath(), ["run", "--no-prompt", ...flags, "--config", CONFIG, CLI, ...args], cwd);
}

Deno.test("new, test, build and run work with read and write limited to a temporary folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tpf-permissions-" });
  try {
    const scoped = [`--allow-read=${dir}`, `--allow-write=${dir}`];
    const created = await cli(dir, scoped, ["new", "plugin"]);
    assert.equal(created.code, 0, created.stderr);
    const project = `${dir}/plugin`;
    const tested = await cli(project, [...scoped, "--allow-env=CI"], ["test"]);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /[1-9]\d* passed, 0 failed/);
    const built = await cli(project, [...scoped, "--allow-env=CI"], ["build", "--target", "production"]);
    assert.equal(built.code, 0, built.stderr);
    const events = [
      {
        ei: 0,
        event: "user.login",
        code: "T1000I",
        time: "2026-11-20T07:58:14Z",
        user: "alice",
        success: true,
      },
      {
        ei: 1,
        event: "user.login",
        code: "T1000I",
        time: "2026-11-20T07:58:15Z",
        user: "secret-santa",
        success: true,
      },
    ];
    await Deno.writeTextFile(
      `${dir}/audit.log`,
      events.map((event) => JSON.stringify(event) + "\n").join(""),
    );
    const ran = await cli(project, [...scoped, "--allow-env=TEXT_ENCODING,TEXT_DECODER"], [
      "run",
      "--plugin",
      "build/production.wasm",
      "--from",
      `file:${dir}/audit.log`,
      "--to",
      `file:${dir}/out.jsonl`,
      "--state-dir",
      `${dir}/state`,
      "--no-follow",
      "--status-interval",
      "0",
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const forwarded = (await Deno.readTextFile(`${dir}/out.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    // The passthrough example forwards every event.
    assert.deepEqual(forwarded.map((event) => event.user), ["alice", "secret-santa"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing permission is one error line naming the flag to add", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tpf-permissions-" });
  try {
    const denied = await cli(dir, [`--allow-read=${dir}`], ["new", "plugin"]);
    assert.equal(denied.code, 1);
    // The line names the first path written (which file comes first is up to the scaffold); the hint is a
    // `deno run` line with the command's usual flags and the one missing.
    assert.match(
      denied.stderr,
      /^error: writing '(plugin[^']*)' needs --allow-write=\1\nhint: add it with deno run \(a task's flags are fixed\): deno run --no-prompt --allow-read=\. --allow-write=\. --config \S+ \S+ new plugin\n$/,
    );
    const noEnv = await cli(dir, [`--allow-read=${dir}`, `--allow-write=${dir}`], ["test"]);
    assert.equal(noEnv.code, 1);
    assert.match(
      noEnv.stderr,
      /^error: reading environment variable 'CI' needs --allow-env=CI\nhint: .* --allow-env=CI .* test\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describePermissionError finds Deno's message in the cause chain and ignores other errors", () => {
  const denied = new Deno.errors.NotCapable(
    'Requires net access to "127.0.0.1:24224", run again with the --allow-net flag',
  );
  assert.equal(
    describePermissionError(new Error("sink failed", { cause: denied })),
    "connecting to '127.0.0.1:24224' needs --allow-net=127.0.0.1:24224",
  );
  assert.equal(
    describePermissionError(new Error("Requires env access, run again with the --allow-env flag")),
    "reading environment needs --allow-env",
  );
  assert.equal(describePermissionError(new Error("file not found")), undefined);
  assert.equal(describePermissionError("Requires read access"), undefined);
});

Deno.test("every command has a permission set, and deno.json's cli:* tasks are generated from them", () => {
  assert.deepEqual(
    COMMAND_PERMISSIONS.map((entry) => entry.command),
    commands.map((command) => command.name),
  );
  assert.deepEqual(permissionFlags("test"), ["--allow-read=.", "--allow-write=build", "--allow-env=CI"]);
  const tasks = Object.fromEntries(
    Object.entries(frameworkConfig.tasks).filter(([name]) => name.startsWith("cli:")),
  );
  assert.deepEqual(tasks, commandTasks());
});

Deno.test("--help lists the command's permissions", async () => {
  const help = await cli(Deno.cwd(), [], ["test", "--help"]);
  assert.equal(help.code, 0);
  assert.match(
    help.stdout,
    /Permissions .*\n {2}--allow-read=\. +the plugin project\n {2}--allow-write=build +/,
  );
});
