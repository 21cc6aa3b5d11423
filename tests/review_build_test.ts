/**
 * `build` and `test` through the real CLI in child processes: a build `run` cannot load fails naming the
 * import, asconfig.json's targets are honoured (or refused naming the field), progress and paths are shown
 * from the current folder, and -d / -b mistakes are one-line errors naming the flag and the file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TestBuildCache } from "../lib/testing/build_cache.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], cwd: string): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", "--config", CONFIG, CLI, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

/** Runs `fn` with a temporary folder holding a new passthrough project `p`. */
async function withProject(fn: (parent: string, project: string) => Promise<void>): Promise<void> {
  const parent = await Deno.makeTempDir({ prefix: "review-build-" });
  try {
    const created = await cli(["new", "p"], parent);
    assert.equal(created.code, 0, created.stderr);
    await fn(parent, join(parent, "p"));
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function editFile(path: string, edit: (text: string) => string): Promise<void> {
  await Deno.writeTextFile(path, edit(await Deno.readTextFile(path)));
}

Deno.test("build fails with one line naming the import when run could not load the plugin; nothing is written", async () => {
  await withProject(async (parent, project) => {
    const handler = join(project, "assembly", "event_handler.ts");
    const original = await Deno.readTextFile(handler);
    await Deno.writeTextFile(handler, original.replace("trace(", "console.log("));
    const logging = await cli(["build", "--target", "production", "-d", "p"], parent);
    assert.equal(logging.code, 1);
    assert.equal(
      logging.stderr,
      "error: p/build/production.wasm: the plugin imports env.console.log, which none of the traits " +
        "(AssemblyScriptEnv, Store, TeleportApi, EventLines) provides\n",
    );
    assert.equal(await exists(join(project, "build")), false);

    await Deno.writeTextFile(
      handler,
      "import { getFixture } from '../vendor/test';\n" +
        original.replace("response.Success = true;", "response.Success = getFixture(1).byteLength > 0;"),
    );
    const helpers = await cli(["build", "--target", "production", "-d", "p"], parent);
    assert.equal(helpers.code, 1);
    assert.match(
      helpers.stderr,
      /^error: p\/build\/production\.wasm: the plugin imports test\.getFixture from vendor\/test: test helpers cannot be used in the production build .*\n$/,
    );
    assert.equal(await exists(join(project, "build")), false);
  });
});

Deno.test("build honours asconfig.json's outFile and shrinkLevel, shows progress, prints paths from the cwd", async () => {
  await withProject(async (parent, project) => {
    const plain = await cli(["build", "--target", "production", "-d", "p"], parent);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /^building production \(release: optimised, no asserts\) -> p\/build\/production\.wasm \.\.\.\np\/build\/production\.wasm {2}[\d.]+ KiB {2}[\d.]+ s\n$/,
    );
    const plainBytes = (await Deno.stat(join(project, "build", "production.wasm"))).size;

    await editFile(
      join(project, "asconfig.json"),
      (text) =>
        text.replace("build/production.wasm", "build/prod2.wasm").replace(
          `"shrinkLevel": 0`,
          `"shrinkLevel": 2`,
        ),
    );
    const shrunk = await cli(["build", "--target", "production"], project);
    assert.equal(shrunk.code, 0, shrunk.stderr);
    assert.match(shrunk.stdout, /^build\/prod2\.wasm {2}/m);
    const shrunkBytes = (await Deno.stat(join(project, "build", "prod2.wasm"))).size;
    assert.ok(shrunkBytes < plainBytes, `shrinkLevel 2 gave ${shrunkBytes} bytes, the default ${plainBytes}`);

    // The debug binary's source-map link names the map written next to it, under its own outFile name.
    await editFile(
      join(project, "asconfig.json"),
      (text) => text.replace("build/debug.wasm", "build/dbg.wasm"),
    );
    const debug = await cli(["build", "--target", "debug"], project);
    assert.equal(debug.code, 0, debug.stderr);
    const link = WebAssembly.Module.customSections(
      new WebAssembly.Module(await Deno.readFile(join(project, "build", "dbg.wasm"))),
      "sourceMappingURL",
    );
    assert.equal(link.length, 1);
    assert.equal(new TextDecoder().decode(new Uint8Array(link[0]).subarray(1)), "./dbg.wasm.map");
    await Deno.stat(join(project, "build", "dbg.wasm.map"));

    // A project outside the current folder is shown with its absolute path.
    const outside = await cli(["build", "--target", "production", "-d", project], await Deno.makeTempDir());
    assert.equal(outside.code, 0, outside.stderr);
    assert.match(
      outside.stdout,
      new RegExp(`^${project.replaceAll("/", "\\/")}\\/build\\/prod2\\.wasm {2}`, "m"),
    );
  });
});

Deno.test("build and test refuse an asconfig.json value the framework cannot use, naming file and field", async () => {
  await withProject(async (parent, project) => {
    const asconfig = join(project, "asconfig.json");
    const original = await Deno.readTextFile(asconfig);
    const refusals: [string, string][] = [
      [
        original.replace(`"incremental"`, `"stub"`),
        `p/asconfig.json: options.runtime must be "incremental": `,
      ],
      [
        original.replace(`"optimizeLevel": 3`, `"optimizeLevel": 9`),
        "p/asconfig.json: targets.production.optimizeLevel must be an integer from 0 to 3, not 9",
      ],
      [
        original.replace(`"sourceMap": true`, `"importMemory": true`),
        "p/asconfig.json: targets.debug.importMemory is not supported by build",
      ],
      [
        original.replace(`"noAssert": true`, `"noAssert": false`),
        "p/asconfig.json: targets.production.noAssert must be true (or left out)",
      ],
      [
        original.replace("build/debug.wasm", "../debug.wasm"),
        "p/asconfig.json: targets.debug.outFile must be a path inside the project folder, not '../debug.wasm'",
      ],
      [original.slice(0, -3), "p/asconfig.json: not valid JSON"],
    ];
    for (const [text, message] of refusals) {
      await Deno.writeTextFile(asconfig, text);
      for (const command of ["build", "test"]) {
        const run = await cli([command, "-d", "p"], parent);
        assert.equal(run.code, 1, `${command} with ${message}`);
        assert.ok(run.stderr.startsWith(`error: ${message}`), `${command}: ${run.stderr}`);
        assert.equal(run.stderr.split("\n").length, 2, run.stderr);
      }
    }
    assert.equal(await exists(join(project, "build")), false);
  });
});

Deno.test("-d that is not a folder and -b that is not a test module are one-line errors naming flag and file", async () => {
  await withProject(async (parent, project) => {
    await Deno.writeTextFile(join(parent, "plain-file"), "");
    for (const command of ["build", "test"]) {
      const file = await cli([command, "-d", "plain-file"], parent);
      assert.equal(file.code, 1);
      assert.match(file.stderr, /^error: -d\/--dir 'plain-file' is not a folder\n/);
      const missing = await cli([command, "-d", "missing"], parent);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^error: -d\/--dir 'missing' does not exist\n/);
    }

    // The smallest valid module: magic and version, no sections, so no exports.
    await Deno.writeFile(join(project, "empty.wasm"), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const cases: [string, RegExp][] = [
      ["nope.wasm", /^error: -b\/--prebuilt 'nope\.wasm' does not exist\n$/],
      ["assembly", /^error: -b\/--prebuilt 'assembly' is a folder, not a \.wasm file\n$/],
      [
        "assembly/index.ts",
        /^error: -b\/--prebuilt 'assembly\/index\.ts': not a WebAssembly binary \(missing \\0asm magic\)\nhint: /,
      ],
      ["empty.wasm", /^error: -b\/--prebuilt 'empty\.wasm' exports no test functions .*\nhint: /],
    ];
    for (const [binary, expected] of cases) {
      const run = await cli(["test", "-b", binary], project);
      assert.equal(run.code, 1);
      assert.match(run.stderr, expected);
      assert.equal(run.stdout, "");
    }
  });
});

Deno.test("the test build cache key changes with asconfig.json, whose options the compiler applies to tests", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-build-cache-" });
  try {
    await Deno.mkdir(join(dir, "assembly"));
    await Deno.writeTextFile(join(dir, "assembly", "a.test.ts"), "export function testA(): void {}\n");
    const cache = new TestBuildCache(dir);
    const without = await cache.key("assembly/a.test.ts", []);
    await Deno.writeTextFile(join(dir, "asconfig.json"), `{ "options": { "optimizeLevel": 1 } }`);
    const first = await cache.key("assembly/a.test.ts", []);
    await Deno.writeTextFile(join(dir, "asconfig.json"), `{ "options": { "optimizeLevel": 2 } }`);
    const second = await cache.key("assembly/a.test.ts", []);
    assert.notEqual(first, without);
    assert.notEqual(second, first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
