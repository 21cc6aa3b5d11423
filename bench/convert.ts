/**
 * Per-event cost of the Teleport JSON converter on a ~900 B `session.start` line, side by side in one run:
 * plain `JSON.parse` + `JSON.stringify` (the floor of any JSON pipeline), the anchor's protobufjs round trip of
 * the same event in protobufjs's own JSON shape, `toEvent` (JSON -> events.OneOf bytes), `toEvent` written as
 * the `plugin.HandleEventRequest` the plugin takes (what each of `run`'s workers pays per event before calling
 * the plugin), and `toEvent` + `renderEvent` for the three plugin outcomes: the same bytes
 * back (forwarded verbatim), equivalent bytes re-encoded by the plugin (decoded and compared), and a changed
 * field (re-rendered, unknown keys kept).
 *
 * Run alone: `deno run -A --no-prompt bench/convert.ts`.
 *
 * @module
 */
import type protobuf from "protobufjs";
import { bundledSchema } from "../lib/proto/schema.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";

/** A session.start as Teleport's file log writes it, with a few keys the schema does not know. */
export const SAMPLE_LINE = JSON.stringify({
  ei: 2147483646,
  event: "session.start",
  uid: "fff30583-13be-49e8-b159-32952c6ea34f",
  code: "T2000I",
  time: "2024-02-23T18:56:57.648137154Z",
  cluster_name: "teleport.example.com",
  user: "teleport-admin",
  login: "ec2-user",
  user_kind: 1,
  user_roles: ["access", "editor", "auditor"],
  user_traits: { logins: ["root", "ubuntu", "ec2-user"], kubernetes_groups: null },
  sid: "293fda2d-2266-4d4d-b9d1-bd5ea9dd9fc3",
  private_key_policy: "none",
  namespace: "default",
  server_id: "face0091-2e2d-4a47-8b43-0de6e9b0d4a0",
  server_hostname: "ip-172-31-8-163.us-east-2.compute.internal",
  server_addr: "172.31.8.163:3022",
  server_labels: {
    hostname: "ip-172-31-8-163.us-east-2.compute.internal",
    "teleport.internal/resource-id": "dccb2999-4c4a-4f4e-b7e5-0b0a4d1f3c11",
    env: "production",
  },
  "addr.local": "172.31.8.163:3022",
  "addr.remote": "1.2.3.4:50339",
  proto: "ssh",
  size: "80:25",
  initial_command: [""],
  session_recording: "node",
  x_forwarded_by: "edge-proxy-7",
  x_ingest: { pipeline: "audit", shard: 12 },
});

const ITERATIONS = 50_000;
const WARM_UP = 5_000;

interface Row {
  path: string;
  microseconds: number;
}

function measure(path: string, body: () => unknown): Row {
  let sink: unknown;
  for (let i = 0; i < WARM_UP; i++) sink = body();
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) sink = body();
  const microseconds = ((performance.now() - start) * 1000) / ITERATIONS;
  if (sink === undefined) throw new Error(`${path}: produced nothing`);
  return { path, microseconds };
}

function reencode(
  oneOf: protobuf.Type,
  bytes: Uint8Array,
  change?: (event: Record<string, unknown>) => void,
) {
  const decoded = oneOf.toObject(oneOf.decode(bytes), { longs: String }) as Record<
    string,
    Record<string, unknown>
  >;
  change?.(decoded.SessionStart);
  return oneOf.encode(oneOf.fromObject(decoded)).finish();
}

/** Measures each path and returns a Markdown table (microseconds per event, ratio to the JSON floor). */
export function run(): Promise<string> {
  const codec = new TeleportJsonCodec();
  const { oneOf } = bundledSchema();
  const first = codec.toEvent(SAMPLE_LINE);
  // Same event, different bytes: protobufjs's encoding plus a field the schema does not know (number 999).
  const equivalent = new Uint8Array([...reencode(oneOf, first.bytes), 0xb8, 0x3e, 0x00]);
  const changed = reencode(oneOf, first.bytes, (event) => (event.TerminalSize = "120:40"));

  // The anchor's host path: the same event as protobufjs-shaped JSON (proto field names, nested metadata).
  const protoShaped = JSON.stringify(oneOf.toObject(oneOf.decode(first.bytes), { longs: Number }));
  const rows = [
    measure("JSON.parse + JSON.stringify (floor)", () => JSON.stringify(JSON.parse(SAMPLE_LINE))),
    measure("protobufjs-shaped JSON: parse + encode + decode + stringify", () => {
      const bytes = oneOf.encode(JSON.parse(protoShaped)).finish();
      return JSON.stringify(oneOf.toObject(oneOf.decode(bytes), { longs: Number }));
    }),
    measure("toEvent (JSON -> OneOf bytes)", () => codec.toEvent(SAMPLE_LINE)),
    measure(
      "toEvent as a HandleEventRequest (each of run's workers, per event)",
      () => codec.toEvent(SAMPLE_LINE, 1),
    ),
    measure(
      "toEvent + renderEvent, same bytes back",
      () => codec.renderEvent(codec.toEvent(SAMPLE_LINE), first.bytes),
    ),
    measure(
      "toEvent + renderEvent, re-encoded equal",
      () => codec.renderEvent(codec.toEvent(SAMPLE_LINE), equivalent),
    ),
    measure(
      "toEvent + renderEvent, one field changed",
      () => codec.renderEvent(codec.toEvent(SAMPLE_LINE), changed),
    ),
  ];
  const floor = rows[0].microseconds;
  const lines = [
    `Teleport JSON converter, ${SAMPLE_LINE.length} B session.start, ${ITERATIONS} iterations each`,
    "",
    "| path | us/event | events/s (one core) | x floor |",
    "|---|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${r.path} | ${r.microseconds.toFixed(2)} | ${
        Math.round(1e6 / r.microseconds).toLocaleString("en-US")
      } | ${(r.microseconds / floor).toFixed(1)} |`
    ),
  ];
  return Promise.resolve(lines.join("\n"));
}

if (import.meta.main) console.log(await run());
