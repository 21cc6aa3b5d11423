/**
 * The event catalog covers the bundled schema: every `events.OneOf` member Teleport emits has its type
 * string(s), every type string names a real member with its real field number, and the audit-JSON converter
 * turns each type string into that member instead of `Unknown`.
 */
import assert from "node:assert/strict";
import { EVENT_TYPES, eventTypeInfo, eventTypesOfMember } from "../lib/events/catalog.ts";
import { bundledSchema } from "../lib/proto/schema.ts";
import { fixtureTemplates } from "../lib/scaffold/fixture_templates.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";

const { root, oneOf } = bundledSchema();
const members = oneOf.oneofs.Event.fieldsArray;

/**
 * Members left without a type string, with the reason. Teleport does emit these, but the constants naming
 * their type strings live in Teleport sources we could not read (only the Go identifiers, such as
 * `AppAuthConfigCreateEvent`, appear in the code we have), so they stay out rather than being guessed.
 * Their events still convert, to `Unknown` with the raw JSON kept.
 */
const WITHOUT_TYPE_STRING: Readonly<Record<string, string>> = {
  AppAuthConfigCreate: "type string constant not available (app auth config created)",
  AppAuthConfigUpdate: "type string constant not available (app auth config updated)",
  AppAuthConfigDelete: "type string constant not available (app auth config deleted)",
  AppAuthConfigVerify: "type string constants not available (JWT verified, success and failure)",
  AppSessionLLMRequest: "type string constants not available (LLM request, success and failure)",
};

Deno.test("every OneOf member except the documented exceptions has at least one type string", () => {
  const uncovered = members
    .map((field) => field.name)
    .filter((name) => eventTypesOfMember(name).length === 0 && !(name in WITHOUT_TYPE_STRING));
  assert.deepEqual(uncovered, [], "members without a type string and without a documented reason");
});

Deno.test("every documented exception is a real member that really has no type string", () => {
  const names = new Set(members.map((field) => field.name));
  for (const [member, reason] of Object.entries(WITHOUT_TYPE_STRING)) {
    assert.ok(names.has(member), `${member} is not a member of events.OneOf`);
    assert.deepEqual(eventTypesOfMember(member), [], `${member} now has a type string: drop the exception`);
    assert.ok(reason.length > 0);
  }
});

Deno.test("every type string maps to an existing member with its field number", () => {
  const numbers = new Map(members.map((field) => [field.name, field.id]));
  for (const info of EVENT_TYPES) {
    assert.ok(numbers.has(info.member), `${info.type}: ${info.member} is not a member of events.OneOf`);
    assert.equal(info.number, numbers.get(info.member), `${info.type}: field number of ${info.member}`);
  }
});

Deno.test("type strings are unique, well formed and carry well-formed codes", () => {
  const types = EVENT_TYPES.map((info) => info.type);
  const duplicates = types.filter((type, index) => types.indexOf(type) !== index);
  assert.deepEqual(duplicates, [], "a type string listed twice would silently shadow the first entry");
  for (const info of EVENT_TYPES) {
    assert.match(info.type, /^[a-z0-9][a-z0-9_.-]*$/, `type string ${info.type}`);
    assert.equal(eventTypeInfo(info.type), info);
    assert.ok(info.description.length > 0, `${info.type} has a description`);
    for (const code of info.codes) {
      assert.match(code, /^[A-Z][A-Z0-9]*[IWESL]$/, `${info.type}: code ${code}`);
    }
    assert.equal(new Set(info.codes).size, info.codes.length, `${info.type}: codes are unique`);
  }
});

Deno.test("many-to-one members list their primary type string first", () => {
  assert.deepEqual(
    eventTypesOfMember("SCIMResourceEvent").map((info) => info.type),
    ["scim.create", "scim.update", "scim.delete", "scim.get", "scim.patch"],
  );
  assert.equal(eventTypesOfMember("CertAuthorityOverrideEvent")[0].type, "cert_auth_override.create");
  assert.equal(eventTypesOfMember("AWSICResourceSync")[0].codes[0], "TAIC001I");
  assert.equal(eventTypeInfo("db.session.mysql.init_db")?.member, "MySQLInitDB");
  assert.equal(eventTypeInfo("mcp.session.listen_sse_stream")?.number, 223);
});

Deno.test("the audit-JSON converter turns every catalog type string into its member, not Unknown", () => {
  const codec = new TeleportJsonCodec();
  for (const info of EVENT_TYPES) {
    const code = info.codes[0] ?? "";
    const parsed = codec.toEvent(JSON.stringify({ event: info.type, code, time: "2025-01-02T03:04:05Z" }));
    assert.equal(parsed.member, info.member, info.type);
    if (info.member !== "Unknown") assert.equal(parsed.fallback, undefined, `${info.type} fell back`);
  }
});

Deno.test("fixture templates: every member outside the exceptions gets its event type and description", () => {
  const templates = fixtureTemplates(root);
  assert.equal(templates.length, members.length);
  for (const template of templates) {
    if (template.member in WITHOUT_TYPE_STRING) {
      assert.equal(template.eventType, "", template.name);
      continue;
    }
    const primary = eventTypesOfMember(template.member)[0];
    assert.equal(template.eventType, primary.type, template.name);
    assert.equal(template.code, primary.codes[0] ?? "", template.name);
    assert.equal(template.description, primary.description, template.name);
  }
});
