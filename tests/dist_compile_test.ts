/**
 * `deno task compile`: builds the single binary where Deno's runtime (denort) can be had, and otherwise
 * fails with one line saying what failed and that DENORT_BIN can name a local denort.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BINARY_PATH, compileArgs, explainCompileFailure } from "../lib/dist/compile.ts";
import { VERSION } from "../lib/version.ts";
import frameworkConfig from "../deno.json" with { type: "json" };
import { runProcess } from "./helpers/process.ts";

const REPO_DIR = fileURLToPath(new URL("../", import.meta.url));
const RUNTIME = `denort ${Deno.version.deno} (${Deno.build.target})`;

Deno.test("deno task compile builds a working binary, or fails with one line naming DENORT_BIN", async () => {
  const compiled = await runProcess(Deno.execPath(), ["task", "-q", "compile"], REPO_DIR);
  if (!compiled.success) {
    // This machine cannot reach dl.deno.land: exactly one line, naming the runtime and DENORT_BIN.
    const lines = compiled.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, compiled.stderr);
    assert.match(lines[0], /^error: deno compile could not (download|use) /);
    assert.ok(lines[0].includes("DENORT_BIN"), lines[0]);
    return;
  }
  const binary = `${REPO_DIR}${BINARY_PATH}`;
  const version = await runProcess(binary, ["--version"], REPO_DIR);
  assert.equal(version.stdout.trim(), `teleport-plugin-framework ${VERSION}`);
  const dir = await Deno.makeTempDir({ prefix: "tpf-binary-" });
  try {
    // Outside the checkout, the binary needs nothing of the source tree; its projects' tasks call it.
    const created = await runProcess(binary, ["new", "plugin", "--example", "count"], dir);
    assert.ok(created.success, created.stderr);
    const config = JSON.parse(await Deno.readTextFile(`${dir}/plugin/deno.json`));
    assert.match(config.tasks.test, new RegExp(`^'?${binary}'? test$`));
    const tested = await runProcess(binary, ["test"], `${dir}/plugin`);
    assert.ok(tested.success, tested.stdout + tested.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile failures are explained in one line", () => {
  const download = [
    "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
    "error: Writing deno compile executable to temporary file 'dist/teleport-plugin-framework.tmp-1'",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip)",
  ].join("\n");
  assert.equal(
    explainCompileFailure(download, undefined),
    `deno compile could not download ${RUNTIME} from dl.deno.land (no network access?); ` +
      `set DENORT_BIN to a ${RUNTIME} binary`,
  );
  const missing =
    "error: Writing deno compile executable\n\nCaused by:\n    0: Could not find denort at '/opt/denort'";
  assert.equal(
    explainCompileFailure(missing, "/opt/denort"),
    `deno compile could not use DENORT_BIN=/opt/denort: not a readable ${RUNTIME} binary`,
  );
  assert.equal(
    explainCompileFailure('Check cli.ts\nerror: Module not found "file:///x.ts".\n', undefined),
    'deno compile failed: Module not found "file:///x.ts".',
  );
});

Deno.test("the binary is compiled from cli.ts with the commands' permissions and nothing more", () => {
  const args = compileArgs("out");
  assert.deepEqual(args.slice(0, 2), ["compile", "--no-prompt"]);
  assert.deepEqual(args.slice(-3), ["--output", "out", "cli.ts"]);
  assert.ok(
    !args.includes("-A") && !args.some((arg) => /^--allow-(all|run|ffi|sys)/.test(arg)),
    args.join(" "),
  );
});

Deno.test("deno.json carries the package metadata JSR needs, with the CLI's version", () => {
  assert.equal(frameworkConfig.name, "@teleport/wasm-plugin-framework");
  assert.equal(frameworkConfig.version, VERSION);
  assert.deepEqual(frameworkConfig.exports, { ".": "./mod.ts", "./cli": "./cli.ts" });
});
