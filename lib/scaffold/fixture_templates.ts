/**
 * Fixture templates: one per `events.OneOf` member of a schema, each rendering a ready-to-edit fixture
 * document with a fresh event id and time. Templates are derived from the schema and the event catalog, so a
 * schema with more event types offers more templates without any hand-written files.
 *
 * @example
 * ```ts ignore
 * import { fixtureTemplates, renderFixture } from "./fixture_templates.ts";
 * const templates = fixtureTemplates(root);
 * const userCreate = templates.find((t) => t.name === "events.user_create")!;
 * const fixture = renderFixture(root, userCreate, "supervisor");
 * ```
 *
 * @module
 */
import type protobuf from "protobufjs";
import { eventTypesOfMember } from "../events/catalog.ts";
import { editDistance } from "../edit_distance.ts";

/** The fixture file format of the original framework: a protobuf message as proto-named JSON. */
export interface FixtureDocument {
  /** The template the fixture came from, e.g. `events.user_create`. */
  name: string;
  /** The protobuf message type of `data`; `types.OneOf` for every event fixture. */
  type: string;
  /** What the fixture represents. */
  description: string;
  /** The message, keyed by proto field names; for events, `{ "<OneOf member>": {...} }`. */
  data: Record<string, unknown>;
}

/** A fixture template: one event type of the schema. */
export interface FixtureTemplate {
  /** Template name used on the command line, e.g. `events.user_create`. */
  readonly name: string;
  /** The `events.OneOf` member it fills, e.g. `UserCreate`. */
  readonly member: string;
  /** The event's `Metadata.Type`, e.g. `user.create`; empty when the catalog does not know the member. */
  readonly eventType: string;
  /** The event's usual `Metadata.Code`, e.g. `T1002I`; empty when unknown. */
  readonly code: string;
  /** One-line description. */
  readonly description: string;
}

/** The message type every event fixture holds. */
export const EVENT_FIXTURE_TYPE = "types.OneOf";

const ONE_OF = "events.OneOf";

/**
 * Returns one template per member of `events.OneOf` in `root`, in field-number order, described by the event
 * catalog or, for members it does not list, by the first line of the message's comment in the schema.
 */
export function fixtureTemplates(root: protobuf.Root): FixtureTemplate[] {
  const oneOf = root.lookupType(ONE_OF);
  const members = Object.values(oneOf.oneofs ?? {}).flatMap((group) => group.fieldsArray);
  return members
    .sort((a, b) => a.id - b.id)
    .map((field) => {
      const primary = eventTypesOfMember(field.name)[0];
      return {
        name: templateName(field.name),
        member: field.name,
        eventType: primary?.type ?? "",
        code: primary?.codes[0] ?? "",
        description: primary?.description ?? firstLine(field.resolvedType?.comment) ?? `${field.name} event`,
      };
    });
}

// Members the catalog does not list are described by their message's comment in the schema.
function firstLine(comment: string | null | undefined): string | undefined {
  const line = comment?.split("\n")[0].trim();
  return line ? line : undefined;
}

/** The command-line name of the template for a OneOf member: `UserCreate` becomes `events.user_create`. */
export function templateName(member: string): string {
  const snake = member
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z\d])([A-Z])/g, "$1_$2")
    .toLowerCase();
  return `events.${snake}`;
}

/** Options for {@linkcode renderFixture}. */
export interface RenderFixtureOptions {
  /** The event time. Default: now. */
  now?: Date;
  /** Event id generator. Default: `crypto.randomUUID`. */
  uuid?: () => string;
}

/**
 * Renders a fixture of `template` whose description is `name`: the event carries a fresh id and time, and
 * the shared metadata messages (user, server, session, connection, status, ...) get plausible sample values.
 */
export function renderFixture(
  root: protobuf.Root,
  template: FixtureTemplate,
  name: string,
  options: RenderFixtureOptions = {},
): FixtureDocument {
  const now = options.now ?? new Date();
  const uuid = options.uuid ?? (() => crypto.randomUUID());
  const message = root.lookupType(ONE_OF).fields[template.member].resolvedType as protobuf.Type;
  const samples: Record<string, Record<string, unknown>> = {
    ".events.Metadata": {
      Index: 0,
      Type: template.eventType,
      ID: uuid(),
      Code: template.code,
      Time: now.toISOString(),
      ClusterName: "test-cluster",
    },
    ".events.UserMetadata": { User: "alice", Login: "alice" },
    ".events.Status": { Success: true },
    ".events.ServerMetadata": {
      ServerNamespace: "default",
      ServerID: uuid(),
      ServerHostname: "node-1",
      ServerAddr: "192.0.2.10:3022",
    },
    ".events.SessionMetadata": { SessionID: uuid() },
    ".events.ConnectionMetadata": {
      LocalAddr: "192.0.2.10:3022",
      RemoteAddr: "203.0.113.7:51234",
      Protocol: "ssh",
    },
    ".events.ResourceMetadata": { Name: "example" },
    ".events.ClientMetadata": { UserAgent: "tsh/17.0.0" },
    ".events.DatabaseMetadata": {
      DatabaseService: "postgres-main",
      DatabaseProtocol: "postgres",
      DatabaseURI: "postgres.example.com:5432",
      DatabaseName: "app",
      DatabaseUser: "alice",
    },
    ".events.AppMetadata": { AppName: "grafana", AppURI: "http://localhost:3000" },
    ".events.KubernetesClusterMetadata": { KubernetesCluster: "kube-main" },
  };
  const data: Record<string, unknown> = {};
  for (const field of message.fieldsArray) {
    const type = field.resolvedType;
    if (field.repeated || type === null || !("fieldsArray" in type)) continue;
    const sample = samples[type.fullName];
    if (sample) data[field.name] = onlyKnownFields(type, sample);
  }
  return {
    name: template.name,
    type: EVENT_FIXTURE_TYPE,
    description: name,
    data: { [template.member]: data },
  };
}

// Sample values are written for the newest schema; a smaller schema simply gets fewer of them.
function onlyKnownFields(type: protobuf.Type, sample: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(sample).filter(([key]) => key in type.fields));
}

/**
 * Returns up to `limit` template names close to `wanted`,
 * for "did you mean" hints: names containing `wanted` or within a few edits of it, closest first.
 */
export function closeTemplateNames(
  wanted: string,
  templates: readonly FixtureTemplate[],
  limit = 5,
): string[] {
  const query = wanted.toLowerCase().replace(/^events\./, "");
  const threshold = Math.max(2, Math.floor(query.length / 3));
  return templates
    .map((t) => {
      const bare = t.name.slice("events.".length);
      const related = bare.includes(query) || query.includes(bare) || t.eventType === wanted;
      return { name: t.name, related, distance: editDistance(query, bare) };
    })
    .filter((s) => s.related || s.distance <= threshold)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((s) => s.name);
}
