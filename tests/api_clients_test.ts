/**
 * The record and dry-run Teleport clients, the `--api` spec parser, and identity files.
 */
import assert from "node:assert/strict";
import { bundledCodec } from "../lib/proto/codec.ts";
import { RecordingTeleportClient } from "../lib/api/record.ts";
import { DryRunTeleportClient } from "../lib/api/dry_run.ts";
import { openTeleportClient, parseTeleportClientSpec } from "../lib/api/open.ts";
import { IdentityFileError, parseIdentityFile, readIdentityFile } from "../lib/api/identity.ts";

const codec = bundledCodec();
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const lockFor = (user: string) =>
  codec.encodeLock({
    Kind: "lock",
    Version: "v2",
    Metadata: { Name: `lock-${user}` },
    Spec: {
      Target: { User: user },
      Message: "Suspicious login activity",
      Expires: { seconds: BigInt(NOW / 1000 + 60), nanos: 0 },
    },
  });

Deno.test("record keeps each valid lock, the latest last, as a copy of the plugin's bytes", async () => {
  const api = new RecordingTeleportClient({ codec, now: () => NOW });
  assert.equal(api.latest(), undefined);
  const bytes = lockFor("alice");
  await api.upsertLock(bytes);
  await api.upsertLock(lockFor("bob"));
  bytes.fill(0); // the plugin's memory may be reused after the call
  assert.equal(api.requests.length, 2);
  assert.deepEqual(api.requests[0].bytes, lockFor("alice"));
  assert.equal(api.latest()?.lock.Spec.Target.User, "bob");
  assert.equal(api.latest()?.lock.Metadata.Name, "lock-bob");
  api.clear();
  assert.equal(api.latest(), undefined);
  await api.close();
});

Deno.test("record rejects an invalid lock like the real client and does not keep it", async () => {
  const api = new RecordingTeleportClient({ codec, now: () => NOW });
  await assert.rejects(
    api.upsertLock(
      codec.encodeLock({
        Kind: "lock",
        Version: "v2",
        Metadata: { Name: "" },
        Spec: { Target: { User: "u" } },
      }),
    ),
    {
      name: "InvalidLockError",
      message: "upsertLock: Metadata.Name is required",
    },
  );
  assert.equal(api.requests.length, 0);
});

Deno.test("dry-run appends one JSON line per lock, in Teleport's JSON form", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/locks.jsonl`;
    await Deno.writeTextFile(path, '{"earlier":"line"}\n');
    const api = await DryRunTeleportClient.open(path, { codec, now: () => NOW });
    await Promise.all(["a", "b", "c"].map((user) => api.upsertLock(lockFor(user))));
    await assert.rejects(
      api.upsertLock(
        codec.encodeLock({ Kind: "", Version: "", Metadata: { Name: "x" }, Spec: { Target: {} } }),
      ),
      /at least one Spec\.Target/,
    );
    await api.close();
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines[0], { earlier: "line" });
    assert.deepEqual(lines[1], {
      time: "2026-11-29T12:00:00.000Z",
      method: "UpsertLock",
      lock: {
        kind: "lock",
        version: "v2",
        metadata: { name: "lock-a" },
        spec: {
          target: { user: "a" },
          message: "Suspicious login activity",
          expires: "2026-11-29T12:01:00Z",
        },
      },
    });
    assert.deepEqual(lines.slice(1).map((line) => line.lock.spec.target.user), ["a", "b", "c"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dry-run names the file it cannot open", async () => {
  await assert.rejects(
    DryRunTeleportClient.open("/nonexistent-dir/locks.jsonl"),
    /^Error: dry-run Teleport client: cannot open '\/nonexistent-dir\/locks\.jsonl': /,
  );
});

Deno.test("parseTeleportClientSpec reads record, dry-run:PATH and teleport:HOST:PORT", () => {
  assert.deepEqual(parseTeleportClientSpec("record"), { kind: "record" });
  assert.deepEqual(parseTeleportClientSpec("dry-run:out/locks.jsonl"), {
    kind: "dry-run",
    path: "out/locks.jsonl",
  });
  assert.deepEqual(parseTeleportClientSpec("teleport:auth.example.com:3025"), {
    kind: "teleport",
    address: "auth.example.com:3025",
  });
  assert.deepEqual(parseTeleportClientSpec("teleport:[::1]:3025"), {
    kind: "teleport",
    address: "[::1]:3025",
  });
});

Deno.test("parseTeleportClientSpec rejects malformed specs, naming them", () => {
  const cases: [string, string][] = [
    ["mock", "invalid Teleport API 'mock': expected record, dry-run:PATH or teleport:HOST:PORT"],
    ["dry-run:", "invalid Teleport API 'dry-run:': the output file is missing (dry-run:PATH)"],
    [
      "teleport:auth.example.com",
      "invalid Teleport API 'teleport:auth.example.com': expected teleport:HOST:PORT, e.g. teleport:auth.example.com:3025",
    ],
    ["teleport:host:70000", "invalid Teleport API 'teleport:host:70000': port 70000 is out of range"],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parseTeleportClientSpec(spec), { name: "TeleportClientSpecError", message }, spec);
  }
});

Deno.test("openTeleportClient requires an identity file for teleport:HOST:PORT", async () => {
  await assert.rejects(openTeleportClient("teleport:auth.example.com:3025"), {
    name: "TeleportClientSpecError",
    message: "invalid Teleport API 'teleport:auth.example.com:3025': an identity file is required " +
      "(--identity FILE, made by `tctl auth sign --format=file`)",
  });
  await assert.rejects(
    openTeleportClient("teleport:auth.example.com:3025", { identityFile: "/nonexistent/identity" }),
    /^IdentityFileError: identity file '\/nonexistent\/identity': cannot read it: /,
  );
  const recorder = await openTeleportClient("record");
  assert.ok(recorder instanceof RecordingTeleportClient);
});

const KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
const CA1 = "-----BEGIN CERTIFICATE-----\nMIIBdTCCARugAwIBAgIU\n-----END CERTIFICATE-----\n";
const CA2 = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIU\n-----END CERTIFICATE-----\n";
const SSH_CERT = "ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYt\n";
const SSH_CA = "@cert-authority *.example.com ssh-rsa AAAAB3NzaC1yc2E clusterName=example.com&type=host\n";

Deno.test("an identity file is split into key, TLS certificate, TLS CAs and SSH parts", () => {
  const identity = parseIdentityFile(KEY + SSH_CERT + CERT + SSH_CA + CA1 + CA2);
  assert.deepEqual(identity, {
    privateKeyPem: KEY,
    tlsCertificatePem: CERT,
    tlsCaPems: [CA1, CA2],
    sshCertificate: SSH_CERT,
    sshCaLines: [SSH_CA],
  });
  // Windows line endings and surrounding blank lines are accepted.
  assert.deepEqual(parseIdentityFile(`\r\n${KEY}${CERT}${CA1}`.replaceAll("\n", "\r\n")).tlsCaPems, [CA1]);
});

Deno.test("an incomplete identity file is rejected, naming the file and the missing part", async () => {
  const cases: [string, string][] = [
    ["", "identity file 'f': no PEM block found (expected the private key first)"],
    [
      CERT + KEY + CA1,
      "identity file 'f': the first PEM block (line 1) should be the private key, found '-----BEGIN CERTIFICATE-----'",
    ],
    [
      KEY + SSH_CERT,
      "identity file 'f': no TLS certificate after the private key (was it signed with --format=file?)",
    ],
    [
      KEY + CERT,
      "identity file 'f': no TLS CA certificate after the TLS certificate: cannot verify the auth server",
    ],
    [KEY + CERT.slice(0, 40), "identity file 'f': the PEM block starting on line 4 has no END line"],
    [
      KEY + KEY + CA1,
      "identity file 'f': expected a CERTIFICATE PEM block on line 4, found '-----BEGIN PRIVATE KEY-----'",
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseIdentityFile(text, "'f'"), (error: Error) => {
      assert.ok(error instanceof IdentityFileError);
      assert.equal(error.message, message);
      return true;
    });
  }
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/identity`, KEY + SSH_CERT + CERT + CA1);
    assert.deepEqual((await readIdentityFile(`${dir}/identity`)).tlsCaPems, [CA1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
