/**
 * The audit-log samples quoted in shared/reference/teleport-schema.md sections 3.2-3.4 (a Kibana fixture of
 * Teleport's file log, and an Elastic corpus line), with the elided ("…") values filled in.
 */
import assert from "node:assert/strict";
import { bundledSchema } from "../lib/proto/schema.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";
import { decodePlain, goTime } from "./teleport_json_support.ts";

const codec = new TeleportJsonCodec();
const { oneOf } = bundledSchema();

const SESSION_START =
  `{"ei":0,"event":"session.start","uid":"fff30583-13be-49e8-b159-32952c6ea34f","code":"T2000I","time":"2024-02-23T18:56:57.648137154Z","cluster_name":"teleport.ericbeahan.com","user":"teleport-admin","login":"ec2-user","user_kind":1,"sid":"293fda2d-2266-4d4d-b9d1-bd5ea9dd9fc3","private_key_policy":"none","namespace":"default","server_id":"face0091-9d93-4c4b-a5c8-5ba2b0bfe0d2","server_hostname":"ip-172-31-8-163.us-east-2.compute.internal","server_labels":{"hostname":"ip-172-31-8-163.us-east-2.compute.internal","teleport.internal/resource-id":"dccb2999-1f6b-4b3c-9f4c-1b1e7f5a0c11"},"addr.remote":"1.2.3.4:50339","proto":"ssh","size":"80:25","initial_command":[""],"session_recording":"node"}`;

const CERT_CREATE =
  `{"ei":0,"event":"cert.create","uid":"efd326fc-3a55-4a52-9d0d-1f0e6e0c2b7a","code":"TC000I","time":"2024-02-24T06:56:50.648137154Z","cluster_name":"teleport.ericbeahan.com","cert_type":"user","identity":{"user":"teleport-admin","roles":["access","editor"],"logins":["root","ubuntu","ec2-user","-teleport-internal-join"],"expires":"2024-02-24T06:56:50.648137154Z","route_to_cluster":"teleport.ericbeahan.com","traits":{"aws_role_arns":null,"logins":["root","ubuntu","ec2-user"],"windows_logins":null},"teleport_cluster":"teleport.ericbeahan.com","client_ip":"1.2.3.4","prev_identity_expires":"0001-01-01T00:00:00Z","private_key_policy":"none"}}`;

const LOCAL_LOGIN_FAILURE =
  `{"code":"T1000W","error":"user(name=\\"fsdfsdf\\") not found","event":"user.login","method":"local","success":false,"time":"2019-04-22T18:06:32Z","uid":"597bf08b-5c5e-4d3f-8a54-6b1a1d2c3e4f","user":"fsdfsdf"}`;

Deno.test("section 3.2 session.start: every key lands in the field the mapping table names", () => {
  const parsed = codec.toEvent(SESSION_START);
  assert.equal(parsed.member, "SessionStart");
  assert.deepEqual(decodePlain(oneOf, parsed.bytes), {
    SessionStart: {
      Metadata: {
        Type: "session.start",
        ID: "fff30583-13be-49e8-b159-32952c6ea34f",
        Code: "T2000I",
        Time: goTime(2024, 2, 23, 18, 56, 57, 648_137_154),
        ClusterName: "teleport.ericbeahan.com",
      },
      User: { User: "teleport-admin", Login: "ec2-user", UserKind: 1 },
      Session: { SessionID: "293fda2d-2266-4d4d-b9d1-bd5ea9dd9fc3", PrivateKeyPolicy: "none" },
      Server: {
        ServerNamespace: "default",
        ServerID: "face0091-9d93-4c4b-a5c8-5ba2b0bfe0d2",
        ServerHostname: "ip-172-31-8-163.us-east-2.compute.internal",
        ServerLabels: {
          hostname: "ip-172-31-8-163.us-east-2.compute.internal",
          "teleport.internal/resource-id": "dccb2999-1f6b-4b3c-9f4c-1b1e7f5a0c11",
        },
      },
      Connection: { RemoteAddr: "1.2.3.4:50339", Protocol: "ssh" },
      TerminalSize: "80:25",
      InitialCommand: [""],
      SessionRecording: "node",
    },
  });
  assert.deepEqual(JSON.parse(codec.renderMessage(parsed.bytes)), JSON.parse(SESSION_START));
});

Deno.test("section 3.4 cert.create: the nested identity, its traits with null lists and the zero time", () => {
  const parsed = codec.toEvent(CERT_CREATE);
  assert.equal(parsed.member, "CertificateCreate");
  const event = decodePlain(oneOf, parsed.bytes).CertificateCreate as Record<string, Record<string, unknown>>;
  assert.equal(event.CertificateType as unknown, "user");
  const identity = event.Identity;
  assert.equal(identity.User, "teleport-admin");
  assert.deepEqual(identity.Roles, ["access", "editor"]);
  assert.deepEqual(identity.Logins, ["root", "ubuntu", "ec2-user", "-teleport-internal-join"]);
  assert.deepEqual(identity.Expires, goTime(2024, 2, 24, 6, 56, 50, 648_137_154));
  assert.deepEqual(identity.PreviousIdentityExpires, { seconds: "-62135596800" });
  assert.equal(identity.ClientIP, "1.2.3.4");
  const raw = oneOf.toObject(oneOf.decode(parsed.bytes)).CertificateCreate.Identity.Traits;
  assert.deepEqual(raw, {
    Values: { aws_role_arns: {}, logins: { Values: ["root", "ubuntu", "ec2-user"] }, windows_logins: {} },
  });
  const rendered = JSON.parse(codec.renderMessage(parsed.bytes));
  // Identity.BotInternal (field 33, no omitempty in the bundled schema) is newer than the 2024 sample.
  assert.deepEqual(rendered.identity, { ...JSON.parse(CERT_CREATE).identity, bot_internal: false });
  assert.equal(codec.renderEvent(parsed, parsed.bytes), CERT_CREATE);
});

Deno.test("section 3.3 local login failure without ei: Status carries the error", () => {
  const parsed = codec.toEvent(LOCAL_LOGIN_FAILURE);
  assert.equal(parsed.member, "UserLogin");
  assert.deepEqual(decodePlain(oneOf, parsed.bytes), {
    UserLogin: {
      Metadata: {
        Type: "user.login",
        ID: "597bf08b-5c5e-4d3f-8a54-6b1a1d2c3e4f",
        Code: "T1000W",
        Time: goTime(2019, 4, 22, 18, 6, 32),
      },
      User: { User: "fsdfsdf" },
      Status: { Error: 'user(name="fsdfsdf") not found' },
      Method: "local",
    },
  });
  // Go would add "ei":0; the converter only adds keys whose value changed.
  assert.deepEqual(JSON.parse(codec.renderMessage(parsed.bytes)), {
    ei: 0,
    ...JSON.parse(LOCAL_LOGIN_FAILURE),
  });
});

// Shapes from the Elastic integration's Teleport corpus (teleport-schema.md section 3.4, last paragraph).
const CORPUS_SHAPES: Array<{ name: string; member: string; line: string }> = [
  {
    name: "sftp with a numeric action and wrapper attributes (null, 0 and set)",
    member: "SFTP",
    line:
      `{"ei":0,"event":"sftp","code":"TS001I","time":"2022-06-02T10:00:00.5Z","user":"alice","sid":"s1","server_id":"n1","working_directory":"/root","path":"/tmp/x","attributes":{"file_size":null,"uid":0,"gid":1000,"permissions":420,"modification_time":"2022-06-02T09:00:00Z"},"action":1}`,
  },
  {
    name: "legacy device event with nested status, device and user objects",
    member: "DeviceEvent",
    line:
      `{"ei":0,"event":"device","code":"TV001I","time":"2022-12-01T00:00:00Z","status":{"success":true},"device":{"device_id":"d1","os_type":2},"user":{"user":"alice"}}`,
  },
  {
    name: "malformed database packet with a base64 payload",
    member: "DatabaseSessionMalformedPacket",
    line:
      `{"ei":0,"event":"db.session.malformed_packet","code":"TDB06I","time":"2023-01-01T00:00:00Z","sid":"s1","db_protocol":"mysql","db_uri":"localhost:3306","payload":"AwEAkAAA"}`,
  },
];

// Type strings Teleport emits (lib/events/api.go) that the event catalog does not list yet.
const NOT_IN_CATALOG: Record<string, string> = {
  "db.session.malformed_packet": "DatabaseSessionMalformedPacket",
};
const corpusCodec = new TeleportJsonCodec({
  memberOf: (type) => codec.memberOf(type) ?? NOT_IN_CATALOG[type],
});

for (const shape of CORPUS_SHAPES) {
  Deno.test(`corpus shape: ${shape.name} converts and renders back as Go would`, () => {
    const parsed = corpusCodec.toEvent(shape.line);
    assert.equal(parsed.fallback, undefined);
    assert.equal(parsed.member, shape.member);
    assert.deepEqual(JSON.parse(corpusCodec.renderMessage(parsed.bytes)), JSON.parse(shape.line));
  });
}

Deno.test("corpus shape: SFTP wrappers keep the difference between null and 0", () => {
  const parsed = codec.toEvent(CORPUS_SHAPES[0].line);
  const attributes = oneOf.toObject(oneOf.decode(parsed.bytes)).SFTP.Attributes;
  assert.equal(attributes.FileSize, undefined);
  assert.deepEqual(attributes.UID, {});
  assert.deepEqual(attributes.GID, { value: 1000 });
  assert.deepEqual(attributes.Permissions, { value: 420 });
});
