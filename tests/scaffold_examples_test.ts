/**
 * The four tutorials of the original README, as `new --example` writes them (their `event_handler.ts` and
 * `event_handler.test.ts` are the README's snippets verbatim), compile and pass in a fresh project, and a
 * new project has everything a plugin author needs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXAMPLE_NAMES } from "../boilerplate/mod.ts";
import { createPluginProject, pluginProjectFiles, ProjectExistsError } from "../lib/scaffold/project.ts";
import { runPluginTests } from "../lib/testing/runner.ts";

const EXPECTED_TRACES: Record<string, string[]> = {
  passthrough: ["Event of type UserCreate received"],
  skip: [],
  modify: [],
  count: ["Suspicious login activity detected, attempts made: 4"],
};

for (const example of EXAMPLE_NAMES) {
  Deno.test(`the '${example}' tutorial passes in a new project`, async () => {
    const dir = await Deno.makeTempDir({ prefix: `plugin-${example}-` });
    try {
      await createPluginProject({ dir, example });
      const summary = await runPluginTests({ projectDir: dir });
      assert.deepEqual(
        summary.results.map((r) => ({ file: r.file, name: r.name, failure: r.failure, traces: r.traces })),
        [{
          file: "assembly/event_handler.test.ts",
          name: "test",
          failure: undefined,
          traces: EXPECTED_TRACES[example],
        }],
      );
      assert.equal(summary.passed, 1);
      assert.equal(summary.failed, 0);
      const locks = summary.results[0].locks;
      if (example !== "count") {
        assert.deepEqual(locks, []);
        return;
      }
      // The fourth failed login locks foo for an hour: Expires is now + 3600 s (the original was off by 10x).
      assert.equal(locks.length, 1);
      const { spec } = locks[0] as { spec: { target: unknown; message: string; expires: string } };
      assert.deepEqual(spec.target, { user: "foo", login: "foo" });
      assert.equal(spec.message, "Suspicious login activity");
      const inSeconds = (Date.parse(spec.expires) - Date.now()) / 1000;
      assert.ok(inSeconds > 3500 && inSeconds <= 3600, `expires in ${inSeconds} s`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a plugin written on vendor/handle_event.ts's HandleEventBase passes the skip tutorial's test", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plugin-base-class-" });
  try {
    await createPluginProject({ dir, example: "skip" });
    await Deno.writeTextFile(
      join(dir, "assembly", "event_handler.ts"),
      `import { events, plugin } from '../vendor/teleport';
import { HandleEventBase } from '../vendor/handle_event';

class SkipSecretSanta extends HandleEventBase {
    userLogin(event: events.UserLogin): void {
        if (event.User.Login == "secret-santa") this.skip();
    }
}

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    return new SkipSecretSanta().handle(request);
}
`,
    );
    const summary = await runPluginTests({ projectDir: dir });
    assert.deepEqual(summary.results.map((r) => [r.name, r.failure]), [["test", undefined]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a new project has the entry, vendor modules, generated bindings, fixtures 1-4 and tasks", () => {
  const files = pluginProjectFiles({ example: "count", cliUrl: new URL("file:///opt/tpf/cli.ts") });
  for (
    const path of [
      "assembly/index.ts",
      "assembly/event_handler.ts",
      "assembly/event_handler.test.ts",
      "vendor/test.ts",
      "vendor/store.ts",
      "vendor/api.ts",
      "vendor/handle_event.ts",
      "vendor/teleport/index.ts",
      "vendor/assemblyscript/index.d.ts",
      "fixtures/1-user-create.json",
      "fixtures/2-secret-santa-login.json",
      "fixtures/3-access-request-create.json",
      "fixtures/4-failed-login.json",
      "asconfig.json",
      "tsconfig.json",
      ".gitignore",
      "deno.json",
    ]
  ) assert.ok(path in files, `${path} is missing`);
  assert.match(
    files["assembly/index.ts"],
    /export function handleEvent\(requestData: ArrayBuffer\): ArrayBuffer/,
  );
  assert.match(files["vendor/teleport/index.ts"], /events/);
  assert.match(files["vendor/handle_event.ts"], /class HandleEventBase/);
  assert.match(files["vendor/assemblyscript/index.d.ts"], /declare function trace\(/);
  const config = JSON.parse(files["deno.json"]);
  assert.equal(
    config.tasks.test,
    "deno run --allow-read=. --allow-write=build --allow-env=CI --no-prompt --config /opt/tpf/deno.json /opt/tpf/cli.ts test",
  );
  assert.equal(
    config.tasks.build,
    "deno run --allow-read=. --allow-write=build --allow-env=CI --no-prompt --config /opt/tpf/deno.json /opt/tpf/cli.ts build",
  );
  assert.equal(config.imports, undefined, "a local checkout's config is passed with --config");
});

Deno.test("a project created from a URL carries the framework's import map", () => {
  const files = pluginProjectFiles({ cliUrl: new URL("https://example.com/tpf/cli.ts") });
  const config = JSON.parse(files["deno.json"]);
  assert.equal(
    config.tasks.test,
    "deno run --allow-read=. --allow-write=build --allow-env=CI --no-prompt https://example.com/tpf/cli.ts test",
  );
  assert.equal(typeof config.imports.assemblyscript, "string");
  assert.ok(config.unstable.includes("worker-options"));
});

Deno.test("a project created by a compiled framework binary calls that binary", () => {
  const files = pluginProjectFiles({ cliBinary: "/opt/my tools/teleport-plugin-framework" });
  const config = JSON.parse(files["deno.json"]);
  assert.equal(config.tasks.test, "'/opt/my tools/teleport-plugin-framework' test");
  assert.equal(config.imports, undefined);
});

Deno.test("createLock sets Expires in seconds from now (not the original's Date.now()/100)", () => {
  const api = pluginProjectFiles()["vendor/api.ts"];
  assert.match(api, /Date\.now\(\) \/ 1000/);
  assert.doesNotMatch(api, /\/ 100\b/);
});

Deno.test("new refuses a folder that is not empty and leaves it untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plugin-existing-" });
  try {
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
    await assert.rejects(createPluginProject({ dir }), ProjectExistsError);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["notes.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("new refuses an empty dir name and a path that is a file, writing nothing", async () => {
  await assert.rejects(createPluginProject({ dir: "" }), TypeError);
  const dir = await Deno.makeTempDir({ prefix: "plugin-existing-" });
  try {
    const file = join(dir, "notes.txt");
    await Deno.writeTextFile(file, "mine");
    await assert.rejects(
      createPluginProject({ dir: file }),
      ProjectExistsError,
      `${file} already exists and is not a folder`,
    );
    assert.equal(await Deno.readTextFile(file), "mine");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
