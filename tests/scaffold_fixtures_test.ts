/**
 * Fixture templates: one per event type of the bundled schema; every generated fixture is accepted by the
 * test runner and decodes in the plugin as the event it claims to be.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bundledSchema } from "../lib/proto/schema.ts";
import {
  closeTemplateNames,
  fixtureTemplates,
  renderFixture,
  templateName,
} from "../lib/scaffold/fixture_templates.ts";
import { listFixtureFiles, nextFixtureId, writeNextFixture } from "../lib/scaffold/fixture_files.ts";
import { createPluginProject } from "../lib/scaffold/project.ts";
import { loadFixtures } from "../lib/testing/fixtures.ts";
import { runPluginTests } from "../lib/testing/runner.ts";

const { root, oneOf } = bundledSchema();

Deno.test("there is one template per OneOf member, named like the original's", () => {
  const templates = fixtureTemplates(root);
  assert.equal(templates.length, oneOf.oneofs.Event.fieldsArray.length);
  assert.equal(new Set(templates.map((t) => t.name)).size, templates.length, "names are unique");
  const userCreate = templates.find((t) => t.member === "UserCreate");
  assert.deepEqual(userCreate, {
    name: "events.user_create",
    member: "UserCreate",
    eventType: "user.create",
    code: "T1002I",
    description: "User created",
  });
  assert.equal(templateName("SAMLConnectorCreate"), "events.saml_connector_create");
  assert.equal(templateName("MFADeviceAdd"), "events.mfa_device_add");
  for (const t of templates) assert.ok(t.description.length > 0, `${t.name} has a description`);
});

Deno.test("an unknown template name gets close matches", () => {
  const templates = fixtureTemplates(root);
  assert.equal(closeTemplateNames("events.user_creat", templates)[0], "events.user_create");
  assert.ok(closeTemplateNames("events.usr_login", templates).includes("events.user_login"));
  assert.ok(closeTemplateNames("user.login", templates).includes("events.user_login"));
  assert.deepEqual(closeTemplateNames("qqqqqqqqqq", templates), []);
});

Deno.test("fixtures are numbered after the highest id; a shared id is an error naming both files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fixtures-ids-" });
  try {
    assert.equal(await nextFixtureId(join(dir, "missing")), 1);
    await Deno.writeTextFile(join(dir, "7-a.json"), "{}");
    await Deno.writeTextFile(join(dir, "notes.txt"), "");
    assert.equal(await nextFixtureId(dir), 8);
    const template = fixtureTemplates(root)[0];
    const path = await writeNextFixture(dir, "login", renderFixture(root, template, "login"));
    assert.equal(path, join(dir, "8-login.json"));
    await assert.rejects(
      writeNextFixture(dir, "../escape", renderFixture(root, template, "x")),
      /may only contain/,
    );
    await Deno.writeTextFile(join(dir, "8-other.json"), "{}");
    await assert.rejects(
      listFixtureFiles(dir),
      /8-login\.json and 8-other\.json|8-other\.json and 8-login\.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fixture generated from every template is accepted by the runner and decodes in the plugin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plugin-templates-" });
  try {
    await createPluginProject({ dir });
    const fixturesDir = join(dir, "fixtures");
    const templates = fixtureTemplates(root);
    const now = new Date("2026-01-02T03:04:05.678Z");
    const expected: [number, string, string][] = [];
    for (const template of templates) {
      const path = await writeNextFixture(
        fixturesDir,
        "sample",
        renderFixture(root, template, "sample", { now }),
      );
      const id = Number(/(\d+)-sample\.json$/.exec(path)![1]);
      expected.push([id, template.member, template.eventType]);
    }
    assert.equal(expected[0][0], 5, "numbering continues after the four starter fixtures");
    const fixtures = await loadFixtures(fixturesDir);
    assert.equal(fixtures.size, 4 + templates.length);

    // The plugin side: each fixture decodes to its member with the metadata the template wrote.
    const checks = expected.map(([id, member, type]) => `    check(${id}, "${member}", "${type}");`).join(
      "\n",
    );
    await Deno.writeTextFile(
      join(dir, "assembly", "templates.test.ts"),
      `import { getFixture } from '../vendor/test';
import { events } from '../vendor/teleport';

function check(id: i32, member: string, eventType: string): void {
    const event = events.OneOf.decode(getFixture(id));
    assert(event.type == member, "fixture " + id.toString() + " decoded as '" + event.type + "', not " + member);
}

export function testEveryTemplateDecodes(): void {
${checks}
}
`,
    );
    await Deno.remove(join(dir, "assembly", "event_handler.test.ts"));
    const summary = await runPluginTests({ projectDir: dir });
    assert.deepEqual(summary.results.map((r) => [r.name, r.failure]), [[
      "testEveryTemplateDecodes",
      undefined,
    ]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
