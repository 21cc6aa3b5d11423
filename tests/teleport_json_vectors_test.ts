/**
 * Teleport's own JSON test vectors, re-typed as test data: gravitational/teleport `lib/events/events_test.go`
 * `TestJSON` (each case pairs a JSON line with the Go struct it encodes; Go checks `FastMarshal(struct)` against
 * the line with JSONEq and the line back into the struct). Here: line -> events.OneOf must hold the same field
 * values, and the OneOf rendered back must be JSON-equal to the line.
 */
import assert from "node:assert/strict";
import { bundledSchema } from "../lib/proto/schema.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";
import { decodePlain, goTime, type Plain, structOf } from "./teleport_json_support.ts";

interface Vector {
  name: string;
  json: string;
  member: string;
  /** The message's fields (proto names) as Go's test struct sets them. */
  event: Plain;
  /**
   * Keys the newest schema always writes (fields added after the vector, without omitempty) and the vector
   * predates, with the zero value Go renders for them.
   */
  newerKeys?: Plain;
}

const SERVER_A7 = "a7c54b0c-469c-431e-af4d-418cd3ae9694";
const SERVER_00 = "00b54ef5-ae1e-425f-8565-c71b01d8f7b8";
const MYSQL_DB = {
  DatabaseService: "test-mysql",
  DatabaseProtocol: "mysql",
  DatabaseURI: "localhost:3306",
  DatabaseName: "test",
  DatabaseUser: "alice",
};
const mysqlMetadata = (type: string, code: string) => ({
  Index: "22",
  ID: "test-id",
  Type: type,
  Code: code,
  Time: goTime(2022, 2, 22, 22, 22, 22, 222_000_000),
  ClusterName: "test-cluster",
});

const VECTORS: Vector[] = [
  {
    name: "session start event",
    json:
      `{"ei":0,"event":"session.start","uid":"36cee9e9-9a80-4c32-9163-3d9241cdac7a","code":"T2000I","time":"2020-03-30T15:58:54.561Z","namespace":"default","sid":"5b3555dc-729f-11ea-b66a-507b9dd95841","cluster_name":"testcluster","login":"bob","user":"bob@example.com","server_id":"a7c54b0c-469c-431e-af4d-418cd3ae9694","server_hostname":"planet","server_labels":{"group":"gravitational/devc","kernel":"5.3.0-42-generic","date":"Mon Mar 30 08:58:54 PDT 2020"},"addr.local":"127.0.0.1:3022","addr.remote":"[::1]:37718","size":"80:25"}`,
    member: "SessionStart",
    event: {
      Metadata: {
        Type: "session.start",
        ID: "36cee9e9-9a80-4c32-9163-3d9241cdac7a",
        Code: "T2000I",
        Time: goTime(2020, 3, 30, 15, 58, 54, 561_000_000),
        ClusterName: "testcluster",
      },
      Server: {
        ServerID: SERVER_A7,
        ServerLabels: {
          kernel: "5.3.0-42-generic",
          date: "Mon Mar 30 08:58:54 PDT 2020",
          group: "gravitational/devc",
        },
        ServerHostname: "planet",
        ServerNamespace: "default",
      },
      Session: { SessionID: "5b3555dc-729f-11ea-b66a-507b9dd95841" },
      User: { User: "bob@example.com", Login: "bob" },
      Connection: { LocalAddr: "127.0.0.1:3022", RemoteAddr: "[::1]:37718" },
      TerminalSize: "80:25",
    },
  },
  {
    name: "resize event",
    json:
      `{"time":"2020-03-30T15:58:54.564Z","uid":"c34e512f-e6cb-44f1-ab94-4cea09002d29","event":"resize","login":"bob","sid":"5b3555dc-729f-11ea-b66a-507b9dd95841","cluster_name":"testcluster","size":"194:59","ei":1,"code":"T2002I","namespace":"default","server_id":"a7c54b0c-469c-431e-af4d-418cd3ae9694","user":"bob@example.com"}`,
    member: "Resize",
    event: {
      Metadata: {
        Index: "1",
        Type: "resize",
        ID: "c34e512f-e6cb-44f1-ab94-4cea09002d29",
        Code: "T2002I",
        Time: goTime(2020, 3, 30, 15, 58, 54, 564_000_000),
        ClusterName: "testcluster",
      },
      Server: { ServerID: SERVER_A7, ServerNamespace: "default" },
      Session: { SessionID: "5b3555dc-729f-11ea-b66a-507b9dd95841" },
      User: { User: "bob@example.com", Login: "bob" },
      TerminalSize: "194:59",
    },
  },
  {
    name: "session end event",
    json:
      `{"code":"T2004I","ei":20,"enhanced_recording":true,"event":"session.end","interactive":true,"namespace":"default","participants":["alice@example.com"],"server_id":"a7c54b0c-469c-431e-af4d-418cd3ae9694","sid":"5b3555dc-729f-11ea-b66a-507b9dd95841","cluster_name":"test-cluster","time":"2020-03-30T15:58:58.999Z","uid":"da455e0f-c27d-459f-a218-4e83b3db9426","user":"alice@example.com", "session_start":"2020-03-30T15:58:54.561Z", "session_stop": "2020-03-30T15:58:58.999Z"}`,
    member: "SessionEnd",
    event: {
      Metadata: {
        Index: "20",
        Type: "session.end",
        ID: "da455e0f-c27d-459f-a218-4e83b3db9426",
        Code: "T2004I",
        Time: goTime(2020, 3, 30, 15, 58, 58, 999_000_000),
        ClusterName: "test-cluster",
      },
      Server: { ServerID: SERVER_A7, ServerNamespace: "default" },
      Session: { SessionID: "5b3555dc-729f-11ea-b66a-507b9dd95841" },
      User: { User: "alice@example.com" },
      EnhancedRecording: true,
      Interactive: true,
      Participants: ["alice@example.com"],
      StartTime: goTime(2020, 3, 30, 15, 58, 54, 561_000_000),
      EndTime: goTime(2020, 3, 30, 15, 58, 58, 999_000_000),
    },
  },
  {
    name: "session print event",
    json:
      `{"time":"2020-03-30T15:58:56.959Z","event":"print","bytes":1551,"ms":2284,"offset":1957,"ei":11,"ci":9,"cluster_name":"test"}`,
    member: "SessionPrint",
    event: {
      Metadata: {
        Index: "11",
        Type: "print",
        Time: goTime(2020, 3, 30, 15, 58, 56, 959_000_000),
        ClusterName: "test",
      },
      ChunkIndex: "9",
      Bytes: "1551",
      DelayMilliseconds: "2284",
      Offset: "1957",
    },
  },
  {
    name: "session command event",
    json:
      `{"argv":["/usr/bin/lesspipe"],"login":"alice","path":"/usr/bin/dirname","return_code":0,"time":"2020-03-30T15:58:54.65Z","user":"alice@example.com","code":"T4000I","event":"session.command","pid":31638,"server_id":"a7c54b0c-469c-431e-af4d-418cd3ae9694","server_hostname":"ip-172-31-11-148","uid":"4f725f11-e87a-452f-96ec-ef93e9e6a260","cgroup_id":4294971450,"ppid":31637,"program":"dirname","namespace":"default","sid":"5b3555dc-729f-11ea-b66a-507b9dd95841","cluster_name":"test","ei":4}`,
    member: "SessionCommand",
    newerKeys: { audit_session_id: 0 },
    event: {
      Metadata: {
        Index: "4",
        ID: "4f725f11-e87a-452f-96ec-ef93e9e6a260",
        Type: "session.command",
        Time: goTime(2020, 3, 30, 15, 58, 54, 650_000_000),
        Code: "T4000I",
        ClusterName: "test",
      },
      Server: { ServerID: SERVER_A7, ServerHostname: "ip-172-31-11-148", ServerNamespace: "default" },
      Session: { SessionID: "5b3555dc-729f-11ea-b66a-507b9dd95841" },
      User: { User: "alice@example.com", Login: "alice" },
      BPF: { CgroupID: "4294971450", Program: "dirname", PID: "31638" },
      PPID: "31637",
      Path: "/usr/bin/dirname",
      Argv: ["/usr/bin/lesspipe"],
    },
  },
  {
    name: "session network event",
    json:
      `{"dst_port":443,"cgroup_id":4294976805,"dst_addr":"2607:f8b0:400a:801::200e","program":"curl","sid":"e9a4bd34-78ff-11ea-b062-507b9dd95841","src_addr":"2601:602:8700:4470:a3:813c:1d8c:30b9","login":"alice","pid":17604,"uid":"729498e0-c28b-438f-baa7-663a74418449","user":"alice@example.com","event":"session.network","namespace":"default","time":"2020-04-07T18:45:16.602Z","version":6,"ei":0,"code":"T4002I","server_id":"00b54ef5-ae1e-425f-8565-c71b01d8f7b8","server_hostname":"ip-172-31-11-148","cluster_name":"example","operation":0,"action":1}`,
    member: "SessionNetwork",
    newerKeys: { audit_session_id: 0 },
    event: {
      Metadata: {
        ID: "729498e0-c28b-438f-baa7-663a74418449",
        Type: "session.network",
        Time: goTime(2020, 4, 7, 18, 45, 16, 602_000_000),
        Code: "T4002I",
        ClusterName: "example",
      },
      Server: { ServerID: SERVER_00, ServerHostname: "ip-172-31-11-148", ServerNamespace: "default" },
      Session: { SessionID: "e9a4bd34-78ff-11ea-b062-507b9dd95841" },
      User: { User: "alice@example.com", Login: "alice" },
      BPF: { CgroupID: "4294976805", Program: "curl", PID: "17604" },
      DstPort: 443,
      DstAddr: "2607:f8b0:400a:801::200e",
      SrcAddr: "2601:602:8700:4470:a3:813c:1d8c:30b9",
      TCPVersion: 6,
      Action: 1,
    },
  },
  {
    name: "session disk event",
    json:
      `{"time":"2020-04-07T19:56:38.545Z","login":"bob","pid":31521,"sid":"ddddce15-7909-11ea-b062-507b9dd95841","user":"bob@example.com","ei":175,"code":"T4001I","flags":142606336,"namespace":"default","uid":"ab8467af-6d85-46ce-bb5c-bdfba8acad3f","cgroup_id":4294976835,"program":"clear_console","server_id":"00b54ef5-ae1e-425f-8565-c71b01d8f7b8","server_hostname":"ip-172-31-11-148","event":"session.disk","path":"/etc/ld.so.cache","return_code":3,"cluster_name":"example2"}`,
    member: "SessionDisk",
    newerKeys: { audit_session_id: 0 },
    event: {
      Metadata: {
        Index: "175",
        ID: "ab8467af-6d85-46ce-bb5c-bdfba8acad3f",
        Type: "session.disk",
        Time: goTime(2020, 4, 7, 19, 56, 38, 545_000_000),
        Code: "T4001I",
        ClusterName: "example2",
      },
      Server: { ServerID: SERVER_00, ServerHostname: "ip-172-31-11-148", ServerNamespace: "default" },
      Session: { SessionID: "ddddce15-7909-11ea-b062-507b9dd95841" },
      User: { User: "bob@example.com", Login: "bob" },
      BPF: { CgroupID: "4294976835", Program: "clear_console", PID: "31521" },
      Flags: 142606336,
      Path: "/etc/ld.so.cache",
      ReturnCode: 3,
    },
  },
  {
    name: "successful user.login event",
    json:
      `{"ei": 0, "attributes":{"followers_url": "https://api.github.com/users/bob/followers", "err": null, "public_repos": 20, "site_admin": false, "app_metadata":{"roles":["example/admins","example/devc"]}, "emails":[{"email":"bob@example.com","primary":true,"verified":true,"visibility":"public"},{"email":"bob@alternative.com","primary":false,"verified":true,"visibility":null}]},"code":"T1001I","event":"user.login","method":"oidc","success":true,"time":"2020-04-07T18:45:07Z","uid":"019432f1-3021-4860-af41-d9bd1668c3ea","user":"bob@example.com","cluster_name":"testcluster"}`,
    member: "UserLogin",
    event: {
      Metadata: {
        ID: "019432f1-3021-4860-af41-d9bd1668c3ea",
        Type: "user.login",
        Time: goTime(2020, 4, 7, 18, 45, 7),
        Code: "T1001I",
        ClusterName: "testcluster",
      },
      Status: { Success: true },
      User: { User: "bob@example.com" },
      IdentityAttributes: structOf({
        followers_url: "https://api.github.com/users/bob/followers",
        err: null,
        public_repos: 20,
        site_admin: false,
        app_metadata: { roles: ["example/admins", "example/devc"] },
        emails: [
          { email: "bob@example.com", primary: true, verified: true, visibility: "public" },
          { email: "bob@alternative.com", primary: false, verified: true, visibility: null },
        ],
      }),
      Method: "oidc",
    },
  },
  {
    name: "session data event",
    json:
      `{"addr.local":"127.0.0.1:3022","addr.remote":"[::1]:44382","code":"T2006I","ei":2147483646,"event":"session.data","login":"alice","rx":9526,"server_id":"00b54ef5-ae1e-425f-8565-c71b01d8f7b8","sid":"ddddce15-7909-11ea-b062-507b9dd95841","time":"2020-04-07T19:56:39Z","tx":10279,"uid":"cb404873-cd7c-4036-854b-42e0f5fd5f2c","user":"alice@example.com","cluster_name":"test"}`,
    member: "SessionData",
    event: {
      Metadata: {
        Index: "2147483646",
        ID: "cb404873-cd7c-4036-854b-42e0f5fd5f2c",
        Type: "session.data",
        Time: goTime(2020, 4, 7, 19, 56, 39),
        Code: "T2006I",
        ClusterName: "test",
      },
      Server: { ServerID: SERVER_00 },
      Session: { SessionID: "ddddce15-7909-11ea-b062-507b9dd95841" },
      User: { User: "alice@example.com", Login: "alice" },
      Connection: { LocalAddr: "127.0.0.1:3022", RemoteAddr: "[::1]:44382" },
      BytesReceived: "9526",
      BytesTransmitted: "10279",
    },
  },
  {
    name: "session leave event",
    json:
      `{"code":"T2003I","ei":39,"event":"session.leave","namespace":"default","server_id":"00b54ef5-ae1e-425f-8565-c71b01d8f7b8","sid":"ddddce15-7909-11ea-b062-507b9dd95841","time":"2020-04-07T19:56:38.556Z","uid":"d7c7489f-6559-42ad-9963-8543e518a058","user":"alice@example.com","cluster_name":"example"}`,
    member: "SessionLeave",
    event: {
      Metadata: {
        Index: "39",
        ID: "d7c7489f-6559-42ad-9963-8543e518a058",
        Type: "session.leave",
        Time: goTime(2020, 4, 7, 19, 56, 38, 556_000_000),
        Code: "T2003I",
        ClusterName: "example",
      },
      Server: { ServerID: SERVER_00, ServerNamespace: "default" },
      Session: { SessionID: "ddddce15-7909-11ea-b062-507b9dd95841" },
      User: { User: "alice@example.com" },
    },
  },
  {
    // Go's 2022-era test decodes user.update into UserCreate; today's catalog has UserUpdate (same layout).
    name: "user update",
    json:
      `{"ei": 0, "code":"T1003I","connector":"auth0","event":"user.update","expires":"2020-04-08T02:45:06.524816756Z","roles":["clusteradmin"],"time":"2020-04-07T18:45:07Z","uid":"e7c8e36e-adb4-4c98-b818-226d73add7fc","user":"alice@example.com","cluster_name":"test-cluster"}`,
    member: "UserUpdate",
    event: {
      Metadata: {
        ID: "e7c8e36e-adb4-4c98-b818-226d73add7fc",
        Type: "user.update",
        Time: goTime(2020, 4, 7, 18, 45, 7),
        Code: "T1003I",
        ClusterName: "test-cluster",
      },
      User: { User: "alice@example.com" },
      Resource: { Expires: goTime(2020, 4, 8, 2, 45, 6, 524_816_756) },
      Connector: "auth0",
      Roles: ["clusteradmin"],
    },
  },
  {
    name: "success port forward",
    json:
      `{"ei": 0, "addr":"localhost:3025","addr.local":"127.0.0.1:3022","addr.remote":"127.0.0.1:45976","code":"T3003I","event":"port","login":"alice","success":true,"time":"2020-04-15T18:06:56.397Z","uid":"7efc5025-a712-47de-8086-7d935c110188","user":"alice@example.com","cluster_name":"test"}`,
    member: "PortForward",
    event: {
      Metadata: {
        ID: "7efc5025-a712-47de-8086-7d935c110188",
        Type: "port",
        Time: goTime(2020, 4, 15, 18, 6, 56, 397_000_000),
        Code: "T3003I",
        ClusterName: "test",
      },
      User: { User: "alice@example.com", Login: "alice" },
      Connection: { LocalAddr: "127.0.0.1:3022", RemoteAddr: "127.0.0.1:45976" },
      Status: { Success: true },
      Addr: "localhost:3025",
    },
  },
  {
    name: "rejected port forward",
    json:
      `{"ei": 0, "addr":"localhost:3025","addr.local":"127.0.0.1:3022","addr.remote":"127.0.0.1:46452","code":"T3003E","error":"port forwarding not allowed by role set: roles clusteradmin,default-implicit-role","event":"port","login":"bob","success":false,"time":"2020-04-15T18:20:21Z","uid":"097724d1-5ee3-4c8d-a911-ea6021e5b3fb","user":"bob@example.com","cluster_name":"test"}`,
    member: "PortForward",
    event: {
      Metadata: {
        ID: "097724d1-5ee3-4c8d-a911-ea6021e5b3fb",
        Type: "port",
        Time: goTime(2020, 4, 15, 18, 20, 21),
        Code: "T3003E",
        ClusterName: "test",
      },
      User: { User: "bob@example.com", Login: "bob" },
      Connection: { LocalAddr: "127.0.0.1:3022", RemoteAddr: "127.0.0.1:46452" },
      Status: { Error: "port forwarding not allowed by role set: roles clusteradmin,default-implicit-role" },
      Addr: "localhost:3025",
    },
  },
  {
    name: "rejected subsystem",
    json:
      `{"ei":0,"cluster_name":"test","addr.local":"127.0.0.1:57518","addr.remote":"127.0.0.1:3022","code":"T3001E","event":"subsystem","exitError":"some error","login":"alice","name":"proxy","time":"2020-04-15T20:28:18Z","uid":"3129a5ae-ee1e-4b39-8d7c-a0a3f218e7dc","user":"alice@example.com"}`,
    member: "Subsystem",
    newerKeys: { server_id: "" },
    event: {
      Metadata: {
        ID: "3129a5ae-ee1e-4b39-8d7c-a0a3f218e7dc",
        Type: "subsystem",
        Time: goTime(2020, 4, 15, 20, 28, 18),
        Code: "T3001E",
        ClusterName: "test",
      },
      User: { User: "alice@example.com", Login: "alice" },
      Connection: { LocalAddr: "127.0.0.1:57518", RemoteAddr: "127.0.0.1:3022" },
      Name: "proxy",
      Error: "some error",
    },
  },
  {
    name: "failed auth attempt",
    json:
      `{"ei": 0, "code":"T3007W","error":"ssh: principal \\"bob\\" not in the set of valid principals for given certificate: [\\"root\\" \\"alice\\"]","event":"auth","success":false,"time":"2020-04-22T20:53:50Z","uid":"ebac95ca-8673-44af-b2cf-65f517acf35a","user":"alice@example.com","cluster_name":"testcluster"}`,
    member: "AuthAttempt",
    newerKeys: { server_id: "" },
    event: {
      Metadata: {
        ID: "ebac95ca-8673-44af-b2cf-65f517acf35a",
        Type: "auth",
        Time: goTime(2020, 4, 22, 20, 53, 50),
        Code: "T3007W",
        ClusterName: "testcluster",
      },
      User: { User: "alice@example.com" },
      Status: {
        Error:
          'ssh: principal "bob" not in the set of valid principals for given certificate: ["root" "alice"]',
      },
    },
  },
  {
    name: "session join",
    json:
      `{"uid":"cd03665f-3ce1-4c22-809d-4be9512c36e2","addr.local":"127.0.0.1:3022","addr.remote":"[::1]:34902","code":"T2001I","event":"session.join","login":"root","time":"2020-04-23T18:22:35.35Z","namespace":"default","server_id":"00b54ef5-ae1e-425f-8565-c71b01d8f7b8","sid":"b0252ad2-2fa5-4bb2-a7de-2cacd1169c96","user":"bob@example.com","ei":4,"cluster_name":"test-cluster"}`,
    member: "SessionJoin",
    event: {
      Metadata: {
        Index: "4",
        Type: "session.join",
        ID: "cd03665f-3ce1-4c22-809d-4be9512c36e2",
        Code: "T2001I",
        Time: goTime(2020, 4, 23, 18, 22, 35, 350_000_000),
        ClusterName: "test-cluster",
      },
      Server: { ServerID: SERVER_00, ServerNamespace: "default" },
      Session: { SessionID: "b0252ad2-2fa5-4bb2-a7de-2cacd1169c96" },
      User: { User: "bob@example.com", Login: "root" },
      Connection: { LocalAddr: "127.0.0.1:3022", RemoteAddr: "[::1]:34902" },
    },
  },
  {
    name: "desktop session start",
    json:
      `{"uid":"cd06365f-3cef-4b21-809a-4af9502c11a1","user":"foo","impersonator":"bar","login":"Administrator","success":true,"proto":"tdp","sid":"test-session","addr.local":"192.168.1.100:39887","addr.remote":"[::1]:34902","with_mfa":"mfa-device","code":"TDP00I","event":"windows.desktop.session.start","time":"2020-04-23T18:22:35.35Z","ei":4,"cluster_name":"test-cluster","windows_user":"Administrator","windows_domain":"test.example.com","desktop_name":"test-desktop","desktop_addr":"[::1]:34902","windows_desktop_service":"00baaef5-ff1e-4222-85a5-c7cb0cd8e7b8","allow_user_creation":false,"nla":true,"desktop_labels":{"env":"production"}}`,
    member: "WindowsDesktopSessionStart",
    newerKeys: { certificate: null },
    event: {
      Metadata: {
        Index: "4",
        ID: "cd06365f-3cef-4b21-809a-4af9502c11a1",
        Type: "windows.desktop.session.start",
        Code: "TDP00I",
        Time: goTime(2020, 4, 23, 18, 22, 35, 350_000_000),
        ClusterName: "test-cluster",
      },
      User: { User: "foo", Impersonator: "bar", Login: "Administrator" },
      Session: { WithMFA: "mfa-device", SessionID: "test-session" },
      Connection: { LocalAddr: "192.168.1.100:39887", RemoteAddr: "[::1]:34902", Protocol: "tdp" },
      Status: { Success: true },
      WindowsDesktopService: "00baaef5-ff1e-4222-85a5-c7cb0cd8e7b8",
      DesktopName: "test-desktop",
      DesktopAddr: "[::1]:34902",
      Domain: "test.example.com",
      WindowsUser: "Administrator",
      DesktopLabels: { env: "production" },
      NLA: true,
    },
  },
  {
    name: "desktop session end",
    json:
      `{"uid":"cd06365f-3cef-4b21-809a-4af9502c11a1","user":"foo","impersonator":"bar","login":"Administrator","participants":["foo"],"recorded":false,"sid":"test-session","with_mfa":"mfa-device","code":"TDP01I","event":"windows.desktop.session.end","time":"2020-04-23T18:22:35.35Z","session_start":"2020-04-23T18:22:35.35Z","session_stop":"2020-04-23T18:26:35.35Z","ei":4,"cluster_name":"test-cluster","windows_user":"Administrator","windows_domain":"test.example.com","desktop_name":"desktop1","desktop_addr":"[::1]:34902","windows_desktop_service":"00baaef5-ff1e-4222-85a5-c7cb0cd8e7b8","desktop_labels":{"env":"production"}}`,
    member: "WindowsDesktopSessionEnd",
    event: {
      Metadata: {
        Index: "4",
        ID: "cd06365f-3cef-4b21-809a-4af9502c11a1",
        Type: "windows.desktop.session.end",
        Code: "TDP01I",
        Time: goTime(2020, 4, 23, 18, 22, 35, 350_000_000),
        ClusterName: "test-cluster",
      },
      User: { Login: "Administrator", User: "foo", Impersonator: "bar" },
      Session: { WithMFA: "mfa-device", SessionID: "test-session" },
      WindowsDesktopService: "00baaef5-ff1e-4222-85a5-c7cb0cd8e7b8",
      DesktopName: "desktop1",
      DesktopAddr: "[::1]:34902",
      Domain: "test.example.com",
      WindowsUser: "Administrator",
      DesktopLabels: { env: "production" },
      Participants: ["foo"],
      StartTime: goTime(2020, 4, 23, 18, 22, 35, 350_000_000),
      EndTime: goTime(2020, 4, 23, 18, 26, 35, 350_000_000),
    },
  },
  {
    name: "MySQL statement prepare",
    json:
      `{"cluster_name":"test-cluster","code":"TMY00I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.prepare","query":"select 1","sid":"test-session","time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementPrepare",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.prepare", "TMY00I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      Query: "select 1",
    },
  },
  {
    name: "MySQL statement execute",
    json:
      `{"cluster_name":"test-cluster","code":"TMY01I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.execute","parameters":null,"sid":"test-session","statement_id":222,"time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementExecute",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.execute", "TMY01I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      StatementID: 222,
    },
  },
  {
    name: "MySQL statement send long data",
    json:
      `{"cluster_name":"test-cluster","code":"TMY02I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","data_size":55,"db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.send_long_data","parameter_id":5,"sid":"test-session","statement_id":222,"time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementSendLongData",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.send_long_data", "TMY02I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      ParameterID: 5,
      StatementID: 222,
      DataSize: 55,
    },
  },
  {
    name: "MySQL statement close",
    json:
      `{"cluster_name":"test-cluster","code":"TMY03I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.close","sid":"test-session","statement_id":222,"time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementClose",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.close", "TMY03I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      StatementID: 222,
    },
  },
  {
    name: "MySQL statement reset",
    json:
      `{"cluster_name":"test-cluster","code":"TMY04I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.reset","sid":"test-session","statement_id":222,"time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementReset",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.reset", "TMY04I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      StatementID: 222,
    },
  },
  {
    name: "MySQL statement fetch",
    json:
      `{"cluster_name":"test-cluster","code":"TMY05I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.fetch","rows_count": 5,"sid":"test-session","statement_id":222,"time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementFetch",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.fetch", "TMY05I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      StatementID: 222,
      RowsCount: 5,
    },
  },
  {
    name: "MySQL statement bulk execute",
    json:
      `{"cluster_name":"test-cluster","code":"TMY06I","db_name":"test","db_protocol":"mysql","db_service":"test-mysql","db_uri":"localhost:3306","db_user":"alice","ei":22,"event":"db.session.mysql.statements.bulk_execute","parameters":null,"sid":"test-session","statement_id":222,"time":"2022-02-22T22:22:22.222Z","uid":"test-id","user":"alice@example.com"}`,
    member: "MySQLStatementBulkExecute",
    event: {
      Metadata: mysqlMetadata("db.session.mysql.statements.bulk_execute", "TMY06I"),
      User: { User: "alice@example.com" },
      Session: { SessionID: "test-session" },
      Database: MYSQL_DB,
      StatementID: 222,
    },
  },
];

const ZERO_TIME = { seconds: "-62135596800" };

/** Non-nullable times the vectors leave out: gogoproto writes Go's zero time for them. */
function withZeroTimes(member: string, event: Plain): Plain {
  const copy = structuredClone(event);
  const resource = copy.Resource as Plain | undefined;
  if (member === "UserUpdate" && resource && !resource.Expires) resource.Expires = ZERO_TIME;
  return copy;
}

const codec = new TeleportJsonCodec();
const { oneOf } = bundledSchema();

for (const vector of VECTORS) {
  Deno.test(`TestJSON vector "${vector.name}": JSON -> ${vector.member} holds Go's field values`, () => {
    const parsed = codec.toEvent(vector.json);
    assert.equal(parsed.fallback, undefined);
    assert.equal(parsed.member, vector.member);
    assert.deepEqual(decodePlain(oneOf, parsed.bytes), {
      [vector.member]: withZeroTimes(vector.member, vector.event),
    });
  });

  Deno.test(`TestJSON vector "${vector.name}": ${vector.member} -> JSON equals Go's FastMarshal output`, () => {
    const parsed = codec.toEvent(vector.json);
    assert.deepEqual(JSON.parse(codec.renderMessage(parsed.bytes)), {
      ...JSON.parse(vector.json),
      ...vector.newerKeys,
    });
  });

  Deno.test(`TestJSON vector "${vector.name}": returned unchanged, the line is forwarded byte for byte`, () => {
    const parsed = codec.toEvent(vector.json);
    assert.equal(codec.renderEvent(parsed, parsed.bytes), vector.json);
    // A canonical re-encoding (what a plugin's generated encoder writes) is byte-identical.
    assert.deepEqual([...oneOf.encode(oneOf.decode(parsed.bytes)).finish()], [...parsed.bytes]);
    // A plugin re-encoding the same event differently: without the empty sub-messages gogo writes, and with a
    // field the schema does not know (OneOf field 999, varint 0).
    const pruned = oneOf.encode(oneOf.fromObject(decodePlain(oneOf, parsed.bytes))).finish();
    const reencoded = new Uint8Array([...pruned, 0xb8, 0x3e, 0x00]);
    assert.equal(codec.renderEvent(parsed, reencoded), vector.json);
  });
}
