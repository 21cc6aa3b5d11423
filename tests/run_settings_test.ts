/**
 * `run` settings: defaults, event-handler's TOML layout, flags over the file, and one-line errors that name
 * the flag or the config key at fault.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { configValues, loadRunConfig, mergeRunValues } from "../lib/run/config.ts";
import { resolveRunSettings, RunSettingsError, type RunValues } from "../lib/run/settings.ts";

function flags(values: Record<string, string | boolean>): RunValues {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { value, origin: `--${name}` }]),
  );
}

const MINIMAL = { plugin: "build/production.wasm", from: "stdin", to: "stdout" };

Deno.test("defaults: kv store, dead letters and dry-run locks inside the state directory", () => {
  const settings = resolveRunSettings(flags(MINIMAL));
  assert.deepEqual(settings, {
    plugin: "build/production.wasm",
    source: { kind: "stdin" },
    sink: { kind: "stdout" },
    concurrency: 2,
    timeoutMs: 2000,
    memoryLimitBytes: undefined,
    batchSize: 1000,
    stateDir: ".state",
    stateDirOrigin: "--state-dir (default)",
    follow: true,
    onPluginError: "forward-original",
    deadLetter: join(".state", "dead-letter.jsonl"),
    store: `kv:${join(".state", "store.kv")}`,
    api: { kind: "dry-run", path: join(".state", "locks.jsonl") },
    identity: undefined,
    metrics: undefined,
    sourceTls: { cert: undefined, key: undefined, ca: undefined },
    sinkTls: { cert: undefined, key: undefined, ca: undefined },
    statusIntervalMs: 10_000,
    shutdownTimeoutMs: 30_000,
  });
});

Deno.test("durations, sizes and per-side TLS files are read as an operator writes them", () => {
  const settings = resolveRunSettings(flags({
    ...MINIMAL,
    from: "https://127.0.0.1:8443",
    to: "forward+tls://fluentd.internal:24224",
    timeout: "1.5s",
    "memory-limit": "64MiB",
    "status-interval": "0",
    "tls-ca": "ca.pem",
    "from-tls-cert": "server.pem",
    "from-tls-key": "server.key",
    "to-tls-cert": "client.pem",
    "to-tls-key": "client.key",
    metrics: "127.0.0.1:9464",
  }));
  assert.equal(settings.timeoutMs, 1500);
  assert.equal(settings.memoryLimitBytes, 64 * 1024 * 1024);
  assert.equal(settings.statusIntervalMs, 0);
  assert.deepEqual(settings.sourceTls, { cert: "server.pem", key: "server.key", ca: "ca.pem" });
  assert.deepEqual(settings.sinkTls, { cert: "client.pem", key: "client.key", ca: "ca.pem" });
  assert.deepEqual(settings.metrics, { hostname: "127.0.0.1", port: 9464 });
});

Deno.test("event-handler's TOML layout maps onto run's options; paths are relative to the file", () => {
  const values = configValues({
    storage: "state",
    batch: 250,
    timeout: "10s",
    concurrency: 5,
    from: "file:teleport-log",
    forward: {
      fluentd: { url: "https://fluentd:8888/teleport.log", cert: "c.crt", key: "c.key", ca: "ca.crt" },
    },
    teleport: { addr: "teleport.example.com:3025", identity: "identity" },
    wasm: { plugin: "plugin.wasm", timeout: "500ms", concurrency: 3, "memory-limit": "32MiB" },
  }, "/etc/teleport-plugin/config.toml");
  const settings = resolveRunSettings(values);
  assert.equal(settings.stateDir, "/etc/teleport-plugin/state");
  assert.equal(settings.batchSize, 250);
  // Event-handler's top-level timeout and concurrency (its polling and sessions) do not leak into the plugin's.
  assert.equal(settings.timeoutMs, 500);
  assert.equal(settings.concurrency, 3);
  assert.equal(settings.memoryLimitBytes, 32 * 1024 * 1024);
  assert.equal(settings.plugin, "/etc/teleport-plugin/plugin.wasm");
  assert.deepEqual(settings.source, { kind: "file", path: "/etc/teleport-plugin/teleport-log" });
  assert.deepEqual(settings.sink, { kind: "http", url: "https://fluentd:8888/teleport.log" });
  assert.deepEqual(settings.sinkTls, {
    cert: "/etc/teleport-plugin/c.crt",
    key: "/etc/teleport-plugin/c.key",
    ca: "/etc/teleport-plugin/ca.crt",
  });
  assert.deepEqual(settings.api, { kind: "teleport", address: "teleport.example.com:3025" });
  assert.equal(settings.identity, "/etc/teleport-plugin/identity");
  assert.equal(settings.store, "kv:/etc/teleport-plugin/state/store.kv");
});

Deno.test("event-handler's other spellings and its own features: flat wasm-* keys read, [lock] and the rest ignored", () => {
  const values = configValues({
    "wasm-plugin": "plugin.wasm",
    "wasm-timeout": "750ms",
    "wasm-concurrency": 4,
    "exit-on-last-event": true,
    namespace: "default",
    lock: { enabled: true, period: "1m", for: "1h", "failed-attempts-count": 3 },
    from: "stdin",
    to: "stdout",
  }, "/etc/teleport-plugin/config.toml");
  const settings = resolveRunSettings(values);
  assert.equal(settings.plugin, "/etc/teleport-plugin/plugin.wasm");
  assert.equal(settings.timeoutMs, 750);
  assert.equal(settings.concurrency, 4);
  assert.equal(values.plugin.origin, "wasm-plugin in /etc/teleport-plugin/config.toml");
  // The same setting under both spellings is a conflict like any other.
  assert.throws(
    () => configValues({ "wasm-plugin": "a.wasm", wasm: { plugin: "b.wasm" } }, "run.toml"),
    /both set --plugin/,
  );
  assert.throws(
    () => configValues({ lock: { enabld: true } }, "run.toml"),
    /\[lock\] enabld in run\.toml: unknown key/,
  );
});

Deno.test("flags override the config file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-config-" });
  try {
    const path = join(dir, "run.toml");
    await Deno.writeTextFile(
      path,
      'to = "stdout"\nfrom = "stdin"\n[wasm]\nplugin = "a.wasm"\ntimeout = "3s"\nconcurrency = 4\n',
    );
    const settings = resolveRunSettings(
      mergeRunValues(await loadRunConfig(path), flags({ timeout: "250ms", plugin: "/abs/b.wasm" })),
    );
    assert.equal(settings.timeoutMs, 250);
    assert.equal(settings.plugin, "/abs/b.wasm");
    assert.equal(settings.concurrency, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("errors are one line naming the flag or the config key", async () => {
  const cases: [RunValues, RegExp][] = [
    [flags({ from: "stdin", to: "stdout" }), /^no plugin: give --plugin FILE/],
    [flags({ ...MINIMAL, "no-plugin": true }), /^--plugin and --no-plugin exclude each other$/],
    [flags({ plugin: "p.wasm", from: "stdin" }), /^--to is required/],
    [flags({ ...MINIMAL, timeout: "soon" }), /^--timeout must be a duration such as 500ms.*got "soon"$/],
    [flags({ ...MINIMAL, timeout: "0" }), /^--timeout must be a duration.*above zero/],
    [
      flags({ ...MINIMAL, timeout: "99999999999999999999" }),
      /^--timeout must be a duration.*at most 2147483647 ms/,
    ],
    [
      flags({ ...MINIMAL, "status-interval": "600h" }),
      /^--status-interval must be a duration.*at most 2147483647 ms; got "600h"$/,
    ],
    [flags({ ...MINIMAL, concurrency: "0" }), /^--concurrency must be an integer from 1 to 1024, got "0"$/],
    [flags({ ...MINIMAL, "memory-limit": "100000" }), /^--memory-limit must be a size such as 64MiB/],
    [flags({ ...MINIMAL, "on-plugin-error": "ignore" }), /^--on-plugin-error ignore: expected one of/],
    [flags({ ...MINIMAL, from: "ftp://x" }), /^--from ftp:\/\/x: unknown source/],
    [flags({ ...MINIMAL, from: "https://127.0.0.1:8443" }), /--from-tls-cert and --from-tls-key/],
    [flags({ ...MINIMAL, "to-tls-cert": "c.pem" }), /must be given together/],
    [flags({ ...MINIMAL, store: "etcd://x" }), /^--store: invalid token store 'etcd:\/\/x'/],
    [flags({ ...MINIMAL, api: "teleport:auth:3025" }), /^--api teleport:auth:3025: .*needs --identity FILE/],
    [flags({ ...MINIMAL, metrics: "9464" }), /^--metrics 9464: expected HOST:PORT/],
  ];
  for (const [values, message] of cases) {
    assert.throws(() => resolveRunSettings(values), (error: unknown) => {
      assert.ok(error instanceof RunSettingsError, String(error));
      assert.match(error.message, message);
      assert.ok(!error.message.includes("\n"), error.message);
      return true;
    });
  }
  const fromFile: [Record<string, unknown>, RegExp][] = [
    [
      { wasm: { plugin: "p.wasm", timeout: true } },
      /^RunSettingsError: \[wasm\] timeout in run\.toml must be a duration/,
    ],
    [{ wasm: { plugni: "p.wasm" } }, /^RunSettingsError: \[wasm\] plugni in run\.toml: unknown key$/],
    [{ sink: "stdout" }, /^RunSettingsError: sink in run\.toml: unknown key$/],
    [{ forward: { kafka: {} } }, /^RunSettingsError: \[forward\.kafka\] in run\.toml: unknown section$/],
  ];
  for (const [document, message] of fromFile) {
    assert.throws(
      () => resolveRunSettings({ ...flags(MINIMAL), ...configValues(document, "run.toml") }),
      message,
    );
  }
  await assert.rejects(
    loadRunConfig("/nonexistent/run.toml"),
    /^RunSettingsError: --config \/nonexistent\/run\.toml: /,
  );
  const dir = await Deno.makeTempDir({ prefix: "run-config-" });
  try {
    await Deno.writeTextFile(join(dir, "bad.toml"), "[wasm\nplugin = 1\n");
    await assert.rejects(loadRunConfig(join(dir, "bad.toml")), /not valid TOML: line 1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
