/**
 * `types.LockV2` as plugins send it to `upsertLock`: decoded, validated the way Teleport validates it,
 * rendered as Teleport's JSON.
 */
import assert from "node:assert/strict";
import { checkLockRequest, InvalidLockError, lockToJSON, validateLock } from "../lib/api/lock.ts";
import { bundledCodec, type LockV2 } from "../lib/proto/codec.ts";

const codec = bundledCodec();
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW_SECONDS = BigInt(NOW / 1000);

const valid: LockV2 = {
  Kind: "lock",
  Version: "v2",
  Metadata: { Name: "lock-alice", Labels: { "teleport.dev/origin": "plugin" } },
  Spec: {
    Target: { Login: "alice" },
    Message: "Suspicious login activity",
    Expires: { seconds: NOW_SECONDS + 3600n, nanos: 0 },
  },
};

/** Encodes `lock` and runs the same checks as every Teleport client. */
function check(lock: LockV2): LockV2 {
  return checkLockRequest(codec, codec.encodeLock(lock), NOW);
}

Deno.test("a valid lock passes and comes back decoded", () => {
  const lock = check(valid);
  assert.equal(lock.Metadata.Name, "lock-alice");
  assert.equal(lock.Spec.Target.Login, "alice");
  assert.equal(lock.Spec.Expires?.seconds, NOW_SECONDS + 3600n);
});

Deno.test("empty Kind and Version pass: Teleport fills them in", () => {
  check({ ...valid, Kind: "", Version: "" });
  check({ Kind: "", Version: "", Metadata: { Name: "n" }, Spec: { Target: { ServerID: "a1b2" } } });
});

Deno.test("bytes that are not a LockV2 are rejected with the decoder's reason", () => {
  assert.throws(() => checkLockRequest(codec, new Uint8Array([0x0a, 0x05, 0x61]), NOW), {
    name: "InvalidLockError",
    message: /^upsertLock: cannot decode types\.LockV2: index out of range/,
  });
});

Deno.test("validateLock rejects what Teleport rejects, saying why", () => {
  const target = { User: "u" };
  const cases: [string, LockV2, string][] = [
    ["wrong kind", { ...valid, Kind: "role" }, 'upsertLock: Kind must be "lock", got "role"'],
    ["wrong version", { ...valid, Version: "v3" }, 'upsertLock: Version must be "v2", got "v3"'],
    ["no name", { ...valid, Metadata: { Name: "" } }, "upsertLock: Metadata.Name is required"],
    [
      "bad label key",
      { ...valid, Metadata: { Name: "n", Labels: { "has space": "x" } } },
      'upsertLock: Metadata.Labels key "has space" is not a valid label key',
    ],
    [
      "empty target",
      { ...valid, Spec: { Target: { User: "" }, Message: "m" } },
      "upsertLock: at least one Spec.Target field must be set " +
      "(User, Role, Login, Node, MFADevice, WindowsDesktop, AccessRequest, Device, ServerID)",
    ],
    [
      "expired",
      { ...valid, Spec: { Target: target, Expires: { seconds: NOW_SECONDS - 1n, nanos: 500_000_000 } } },
      "upsertLock: Spec.Expires 2026-11-29T11:59:59.5Z is not in the future (now 2026-11-29T12:00:00.000Z)",
    ],
    [
      "expires exactly now",
      { ...valid, Spec: { Target: target, Expires: { seconds: NOW_SECONDS, nanos: 0 } } },
      "upsertLock: Spec.Expires 2026-11-29T12:00:00Z is not in the future (now 2026-11-29T12:00:00.000Z)",
    ],
    [
      // The original framework's createLock divided Date.now() by 100: such a date is far in the future
      // and passes; one divided by 1,000,000 is in 1970 and must not.
      "resource already expired",
      { ...valid, Metadata: { Name: "n", Expires: { seconds: 0n, nanos: 0 } } },
      "upsertLock: Metadata.Expires 1970-01-01T00:00:00Z is not in the future (now 2026-11-29T12:00:00.000Z)",
    ],
  ];
  for (const [label, lock, message] of cases) {
    assert.throws(() => check(lock), (error: Error) => {
      assert.ok(error instanceof InvalidLockError, label);
      assert.equal(error.message, message, label);
      return true;
    });
  }
});

Deno.test("validateLock checks timestamps a decoder could not produce", () => {
  const lock = {
    ...valid,
    Spec: { Target: { User: "u" }, Expires: { seconds: NOW_SECONDS + 10n, nanos: -1 } },
  };
  assert.throws(() => validateLock(lock, NOW), {
    message: "upsertLock: Spec.Expires has nanos -1, outside 0..999999999",
  });
});

Deno.test("lockToJSON renders Teleport's JSON keys and RFC 3339 times, leaving out empty fields", () => {
  const lock = check({
    Kind: "",
    Version: "",
    Metadata: { Name: "lock-alice" },
    Spec: {
      Target: { User: "alice", MFADevice: "yubi", ServerID: "s1" },
      Message: "m",
      Expires: { seconds: 1798761600n, nanos: 120_000_000 },
      CreatedAt: { seconds: -62135596800n, nanos: 0 },
    },
  });
  assert.deepEqual(lockToJSON(lock), {
    kind: "lock",
    version: "v2",
    metadata: { name: "lock-alice" },
    spec: {
      target: { user: "alice", mfa_device: "yubi", server_id: "s1" },
      message: "m",
      expires: "2027-01-01T00:00:00.12Z",
    },
  });
});
