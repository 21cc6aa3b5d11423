// The bundled schema: loadable, complete for the documented event types, numbered like Teleport's.
import assert from "node:assert/strict";
import { join } from "node:path";
import protobuf from "protobufjs";
import { directorySource, loadProtoRoot } from "../lib/proto/loader.ts";
import {
  BUNDLED_ENTRY_FILES,
  BUNDLED_PROTO_FILES,
  bundledSchema,
  loadBundledSchema,
} from "../lib/proto/schema.ts";

const PROTO_DIR = new URL("../proto/", import.meta.url).pathname;

// Every row of teleport-schema.md section 1.1 (plus the other types it names): OneOf member -> number.
const SECTION_1_1_MEMBERS: Record<string, number> = {
  UserLogin: 1,
  UserCreate: 2,
  UserUpdate: 140,
  UserDelete: 3,
  UserPasswordChange: 4,
  SessionStart: 5,
  SessionJoin: 6,
  SessionPrint: 7,
  SessionReject: 8,
  Resize: 9,
  SessionEnd: 10,
  SessionCommand: 11,
  SessionDisk: 12,
  SessionNetwork: 13,
  SessionData: 14,
  SessionLeave: 15,
  PortForward: 16,
  X11Forward: 17,
  SCP: 18,
  Exec: 19,
  Subsystem: 20,
  ClientDisconnect: 21,
  AuthAttempt: 22,
  AccessRequestCreate: 23,
  AccessRequestDelete: 66,
  AccessRequestResourceSearch: 88,
  AccessRequestExpire: 199,
  UserTokenCreate: 24,
  RoleCreate: 25,
  RoleUpdate: 139,
  RoleDelete: 26,
  TrustedClusterCreate: 27,
  TrustedClusterDelete: 28,
  TrustedClusterTokenCreate: 29,
  ProvisionTokenCreate: 125,
  GithubConnectorCreate: 30,
  GithubConnectorUpdate: 136,
  GithubConnectorDelete: 31,
  OIDCConnectorCreate: 32,
  OIDCConnectorUpdate: 137,
  OIDCConnectorDelete: 33,
  SAMLConnectorCreate: 34,
  SAMLConnectorUpdate: 138,
  SAMLConnectorDelete: 35,
  KubeRequest: 36,
  KubernetesClusterCreate: 96,
  KubernetesClusterUpdate: 97,
  KubernetesClusterDelete: 98,
  AppSessionStart: 37,
  AppSessionEnd: 93,
  AppSessionChunk: 38,
  AppSessionRequest: 39,
  AppCreate: 56,
  AppUpdate: 57,
  AppDelete: 58,
  DatabaseSessionStart: 40,
  DatabaseSessionEnd: 41,
  DatabaseSessionQuery: 42,
  DatabaseCreate: 53,
  DatabaseUpdate: 54,
  DatabaseDelete: 55,
  PostgresParse: 61,
  PostgresBind: 62,
  PostgresExecute: 63,
  PostgresClose: 64,
  PostgresFunctionCall: 65,
  MySQLStatementPrepare: 72,
  MySQLStatementExecute: 73,
  MySQLStatementSendLongData: 74,
  MySQLStatementClose: 75,
  MySQLStatementReset: 76,
  MySQLStatementFetch: 77,
  MySQLStatementBulkExecute: 78,
  SessionUpload: 43,
  MFADeviceAdd: 44,
  MFADeviceDelete: 45,
  RecoveryCodeGenerate: 51,
  RecoveryCodeUsed: 52,
  LockCreate: 49,
  LockDelete: 50,
  WindowsDesktopSessionStart: 59,
  WindowsDesktopSessionEnd: 60,
  DesktopRecording: 69,
  DesktopClipboardSend: 70,
  DesktopClipboardReceive: 71,
  SessionConnect: 67,
  CertificateCreate: 68,
  RenewableCertificateGenerationMismatch: 79,
  Unknown: 80,
  SFTP: 91,
  SFTPSummary: 191,
  SessionRecordingAccess: 94,
  BotJoin: 110,
  InstanceJoin: 111,
  BotCreate: 143,
  BotUpdate: 145,
  BotDelete: 144,
  CreateMFAAuthChallenge: 146,
  ValidateMFAAuthResponse: 147,
  DeviceEvent: 112,
  DeviceEvent2: 121,
  BillingInformationUpdate: 46,
  BillingCardCreate: 47,
  BillingCardDelete: 48,
  AccessListCreate: 126,
  AccessListUpdate: 127,
  AccessListDelete: 128,
  AccessListReview: 129,
  AccessListMemberCreate: 130,
  AccessListMemberUpdate: 131,
  AccessListMemberDelete: 132,
  AccessListMemberDeleteAllForAccessList: 133,
  UserLoginAccessListInvalid: 198,
  SPIFFESVIDIssued: 150,
  OktaResourcesUpdate: 122,
  OktaSyncFailure: 123,
  OktaAssignmentResult: 124,
  OktaAccessListSync: 148,
  OktaUserSync: 151,
  SSMRun: 99,
  SAMLIdPAuthAttempt: 115,
};

const EMBEDDED = { "(gogoproto.nullable)": false, "(gogoproto.embed)": true, "(gogoproto.jsontag)": "" };

function fieldsOf(type: protobuf.Type): Record<string, [number, string, boolean]> {
  return Object.fromEntries(type.fieldsArray.map((f) => [f.name, [f.id, f.type, f.repeated]]));
}

Deno.test("every event type of section 1.1 is a OneOf member with Teleport's number and a message of its name", () => {
  const { oneOf, root } = bundledSchema();
  for (const [name, number] of Object.entries(SECTION_1_1_MEMBERS)) {
    const field = oneOf.fields[name];
    assert.ok(field, `OneOf lacks ${name}`);
    assert.equal(field.id, number, `OneOf.${name} number`);
    assert.equal(field.partOf?.name, "Event", `OneOf.${name} is in oneof Event`);
    assert.equal(field.resolvedType, root.lookupType(`events.${name}`), `OneOf.${name} type`);
  }
});

Deno.test("OneOf has all 267 members of Teleport's newest schema: numbers 1-271 except 95 and 185-187", () => {
  const { oneOf } = bundledSchema();
  const expected = Array.from({ length: 271 }, (_, i) => i + 1).filter((n) =>
    n !== 95 && (n < 185 || n > 187)
  );
  assert.deepEqual(oneOf.fieldsArray.map((f) => f.id).sort((a, b) => a - b), expected);
  assert.equal(oneOf.fields.WorkloadIdentityX509IssuerOverrideCreate.id, 208);
  assert.equal(oneOf.fields.AppSessionTargetDialDenied.id, 271);
});

Deno.test("OneOf members are exactly one message each, numbered uniquely, never 95 or 185-187", () => {
  const { oneOf } = bundledSchema();
  const numbers = oneOf.fieldsArray.map((f) => f.id);
  assert.equal(new Set(numbers).size, numbers.length);
  for (const reserved of [95, 185, 186, 187]) {
    assert.ok(!numbers.includes(reserved), `${reserved} is not a member`);
  }
  assert.ok(oneOf.isReservedId(185) && oneOf.isReservedId(187));
  for (const field of oneOf.fieldsArray) assert.equal(field.type, `events.${field.name}`);
  assert.ok(oneOf.fieldsArray.length >= Object.keys(SECTION_1_1_MEMBERS).length);
});

Deno.test("shared metadata messages have Teleport's field numbers, types and JSON tags", () => {
  const { root } = bundledSchema();
  const metadata = root.lookupType("events.Metadata");
  assert.deepEqual(fieldsOf(metadata), {
    Index: [1, "int64", false],
    Type: [2, "string", false],
    ID: [3, "string", false],
    Code: [4, "string", false],
    Time: [5, "google.protobuf.Timestamp", false],
    ClusterName: [6, "string", false],
  });
  assert.deepEqual(metadata.fields.Time.options, {
    "(gogoproto.stdtime)": true,
    "(gogoproto.nullable)": false,
    "(gogoproto.jsontag)": "time",
  });
  const user = root.lookupType("events.UserMetadata");
  assert.equal(user.fields.UserKind.id, 10);
  assert.equal(user.fields.UserTraits.type, "wrappers.LabelValues");
  assert.equal(
    user.fields.UserTraits.options?.["(gogoproto.customtype)"],
    "github.com/gravitational/teleport/api/types/wrappers.Traits",
  );
  assert.equal(user.fields.scope_pin.id, 17);
  assert.equal(user.fields.scope_pin.options, undefined, "scope_pin has no jsontag");
  assert.deepEqual(
    root.lookupType("events.ServerMetadata").fieldsArray.map((f) => [f.name, f.id]),
    [
      ["ServerNamespace", 1],
      ["ServerID", 2],
      ["ServerHostname", 3],
      ["ServerAddr", 4],
      ["ServerLabels", 5],
      ["ForwardedBy", 6],
      ["ServerSubKind", 7],
      ["ServerVersion", 8],
    ],
  );
  assert.equal(
    root.lookupType("events.ConnectionMetadata").fields.LocalAddr.options?.["(gogoproto.jsontag)"],
    "addr.local,omitempty",
  );
  assert.equal(root.lookupType("events.CommandMetadata").fields.ExitCode.type, "string");
  assert.deepEqual(fieldsOf(root.lookupType("events.BPFMetadata")), {
    PID: [1, "uint64", false],
    CgroupID: [2, "uint64", false],
    Program: [3, "string", false],
    AuditSessionID: [4, "uint32", false],
  });
  assert.deepEqual(Object.keys(root.lookupType("events.LockMetadata").fieldsById), ["4"]);
  assert.equal(root.lookupType("events.LockMetadata").fields.Target.type, "types.LockTarget");
  const userKind = root.lookupEnum("events.UserKind");
  assert.deepEqual({ ...userKind.values }, {
    USER_KIND_UNSPECIFIED: 0,
    USER_KIND_HUMAN: 1,
    USER_KIND_BOT: 2,
    USER_KIND_SYSTEM: 3,
  });
});

Deno.test("event messages embed their metadata with the gogoproto options the JSON converter relies on", () => {
  const { root } = bundledSchema();
  const start = root.lookupType("events.SessionStart");
  for (
    const name of [
      "Metadata",
      "User",
      "Session",
      "Server",
      "Connection",
      "KubernetesCluster",
      "KubernetesPod",
    ]
  ) {
    assert.deepEqual(start.fields[name].options, EMBEDDED, `SessionStart.${name}`);
  }
  assert.ok(start.isReservedId(11) && start.isReservedName("AccessRequests"));
  const end = root.lookupType("events.SessionEnd");
  assert.equal(end.fields.Connection.id, 4, "SessionEnd swaps Connection and Server");
  assert.equal(end.fields.Server.id, 5);
  const login = root.lookupType("events.UserLogin");
  assert.equal(login.fields.IdentityAttributes.type, "google.protobuf.Struct");
  assert.equal(login.fields.IdentityAttributes.options?.["(gogoproto.casttype)"], "Struct");
  assert.equal(
    login.fields.MFADevice.options?.["(gogoproto.embed)"],
    undefined,
    "mfa_device is a nested object",
  );
  const print = root.lookupType("events.SessionPrint");
  assert.equal(print.fields.Data.options?.["(gogoproto.jsontag)"], "-");
  const lockCreate = root.lookupType("events.LockCreate");
  assert.equal(lockCreate.fields.Target.options?.deprecated, true);
  assert.deepEqual(lockCreate.fields.Lock.options, {
    "(gogoproto.nullable)": false,
    "(gogoproto.jsontag)": "lock",
  });
  assert.equal(
    root.lookupType("events.AppSessionStart").fieldsById[6],
    undefined,
    "AppSessionStart has no field 6",
  );
  assert.equal(root.lookupType("events.SAMLConnectorCreate").fields.Connector.type, "bytes");
  assert.equal(root.lookupType("events.AccessListMember").fields.membership_kind.type, "int32");
  const request = root.lookupType("events.AccessRequestCreate");
  assert.equal(request.fields.AssumeStartTime.options?.["(gogoproto.nullable)"], true);
  assert.equal(request.fields.RequestedResourceAccessIDs.id, 18);
  const access = root.lookupType("events.ResourceAccessID");
  assert.deepEqual(access.oneofs.constraints.fieldsArray.map((f) => [f.name, f.id]), [
    ["unknown_constraints", 10],
    ["aws_console", 11],
    ["ssh", 12],
  ]);
  assert.deepEqual({ ...root.lookupEnum("events.SessionNetwork.NetworkOperation").values }, {
    CONNECT: 0,
    SEND: 1,
  });
  const keyUsage = root.lookupType("events.WindowsCertificateMetadata").fields.ExtendedKeyUsage;
  assert.ok(keyUsage.repeated && keyUsage.packed, "ExtendedKeyUsage is packed repeated int32");
});

Deno.test("types.LockV2, the wrappers and the plugin contract have Teleport's numbers", () => {
  const { root, lockV2, handleEventRequest, handleEventResponse, oneOf } = bundledSchema();
  assert.deepEqual(fieldsOf(lockV2), {
    Kind: [1, "string", false],
    SubKind: [2, "string", false],
    Version: [3, "string", false],
    Metadata: [4, "Metadata", false],
    Spec: [5, "LockSpecV2", false],
  });
  assert.equal(lockV2.fields.Metadata.resolvedType, root.lookupType("types.Metadata"));
  assert.deepEqual(fieldsOf(root.lookupType("types.LockSpecV2")), {
    Target: [1, "LockTarget", false],
    Message: [2, "string", false],
    Expires: [3, "google.protobuf.Timestamp", false],
    CreatedAt: [4, "google.protobuf.Timestamp", false],
    CreatedBy: [5, "string", false],
  });
  assert.deepEqual(
    root.lookupType("types.LockTarget").fieldsArray.map((f) => [f.name, f.id]),
    [
      ["User", 1],
      ["Role", 2],
      ["Login", 3],
      ["Node", 4],
      ["MFADevice", 5],
      ["WindowsDesktop", 6],
      ["AccessRequest", 7],
      ["Device", 8],
      ["ServerID", 9],
    ],
  );
  const typesMetadata = root.lookupType("types.Metadata");
  assert.deepEqual(typesMetadata.fieldsArray.map((f) => [f.name, f.id]), [
    ["Name", 1],
    ["Namespace", 2],
    ["Description", 3],
    ["Labels", 5],
    ["Expires", 6],
    ["Revision", 8],
  ]);
  assert.ok(typesMetadata.isReservedId(7));
  const labelValues = root.lookupType("wrappers.LabelValues");
  assert.ok(labelValues.fields.Values instanceof protobuf.MapField);
  assert.equal(labelValues.fields.Values.id, 1);
  assert.equal(root.lookupType("wrappers.StringValues").fields.Values.id, 1);
  assert.equal(handleEventRequest.fields.Event.id, 1);
  assert.equal(handleEventRequest.fields.Event.resolvedType, oneOf);
  assert.deepEqual(fieldsOf(handleEventResponse), {
    Success: [1, "bool", false],
    Error: [2, "string", false],
    Event: [3, "events.OneOf", false],
  });
  assert.equal(handleEventResponse.fields.Event.options?.["(gogoproto.nullable)"], true);
});

Deno.test("well-known types use the standard field numbers", () => {
  const { root } = bundledSchema();
  const numbers = (name: string) => root.lookupType(name).fieldsArray.map((f) => [f.name, f.id]);
  assert.deepEqual(numbers("google.protobuf.Timestamp"), [["seconds", 1], ["nanos", 2]]);
  assert.deepEqual(numbers("google.protobuf.Duration"), [["seconds", 1], ["nanos", 2]]);
  assert.deepEqual(numbers("google.protobuf.Struct"), [["fields", 1]]);
  assert.deepEqual(numbers("google.protobuf.Value"), [
    ["null_value", 1],
    ["number_value", 2],
    ["string_value", 3],
    ["bool_value", 4],
    ["struct_value", 5],
    ["list_value", 6],
  ]);
  assert.deepEqual(numbers("google.protobuf.ListValue"), [["values", 1]]);
  assert.deepEqual(numbers("google.protobuf.UInt64Value"), [["value", 1]]);
  assert.deepEqual(numbers("google.protobuf.Empty"), []);
});

Deno.test("each embedded text is the current file under proto/", async () => {
  for (const [path, text] of Object.entries(BUNDLED_PROTO_FILES)) {
    assert.equal(text, await Deno.readTextFile(join(PROTO_DIR, path)), path);
  }
});

Deno.test("the proto/ folder loads from disk too (as a --proto-path), with the same messages", () => {
  const fromDisk = loadProtoRoot(BUNDLED_ENTRY_FILES, directorySource([PROTO_DIR]));
  const embedded = loadBundledSchema();
  assert.deepEqual(fromDisk.files, embedded.files);
  assert.equal(
    fromDisk.files.length,
    Object.keys(BUNDLED_PROTO_FILES).length,
    "every bundled file is reachable",
  );
  assert.deepEqual(
    fromDisk.root.lookupType("events.OneOf").toJSON(),
    embedded.oneOf.toJSON(),
  );
});

Deno.test("bundledSchema parses once and shares the result", () => {
  assert.equal(bundledSchema(), bundledSchema());
  assert.notEqual(loadBundledSchema().root, bundledSchema().root);
});
