/**
 * Events per second through the pipeline, Teleport file audit log (a directory of `*.log` files) to a file
 * sink (append + fsync per batch), on ~1 KiB events, side by side in one run (in /dev/shm when there is one,
 * so that a shared disk's noise does not drown the differences):
 *
 * - no processor: JSON in, JSON out (each line is still parsed once, to catch malformed input);
 * - processor hook, passthrough: a processor function that forwards every event (the cost of the hook);
 * - processor hook, re-render: a processor that returns every event modified (`JSON.stringify` of a copy).
 *
 * - the converter alone, and the passthrough plugin as `run` runs it (1 and 2 instances).
 *
 * More variants plug in through {@linkcode run}'s `variants` argument or {@linkcode measurePipeline}. Each variant runs {@linkcode ROUNDS} times, interleaved; the best round counts.
 *
 * Run alone: `deno run -A --no-prompt bench/pipeline.ts`.
 *
 * @module
 */
import { join } from "node:path";
import {
  FileSink,
  FileSource,
  type LineProcessor,
  type Processor,
  runPipeline,
} from "../lib/pipeline/mod.ts";
import { ExecutionContextPool } from "../lib/pool/pool.ts";
import { createPluginProcessor } from "../lib/run/processor.ts";
import { buildPlugin } from "../lib/scaffold/build.ts";
import { createPluginProject } from "../lib/scaffold/project.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";
import { AssemblyScriptEnv, EventLines } from "../traits/mod.ts";

/** Events in the generated audit log. */
export const EVENTS = 100_000;
/** Files the log is split into. */
const FILES = 4;
/** Measured rounds per variant. */
export const ROUNDS = 3;

/** A pipeline configuration to measure. */
export interface PipelineVariant {
  /** Row label. */
  name: string;
  /** The processor; `undefined` forwards every event unchanged without a hook. */
  processor?: Processor | LineProcessor;
}

/** The built-in variants. */
export const BASE_VARIANTS: readonly PipelineVariant[] = [
  { name: "no processor (JSON in, JSON out)" },
  { name: "processor hook, passthrough", processor: (events) => Promise.resolve(events.map(() => FORWARD)) },
  {
    name: "processor hook, re-render every event",
    processor: (events) =>
      Promise.resolve(
        events.map((e) => ({ kind: "modified", line: JSON.stringify({ ...e.event, seen: true }) })),
      ),
  },
];
const FORWARD = { kind: "forward" } as const;

/** Writes a Teleport-like file audit log of `events` ~1 KiB events into `dir`. */
export async function writeAuditLog(dir: string, events = EVENTS): Promise<void> {
  const perFile = Math.ceil(events / FILES);
  for (let f = 0; f < FILES; f++) {
    const lines: string[] = [];
    for (let i = f * perFile; i < Math.min(events, (f + 1) * perFile); i++) lines.push(sampleEvent(i));
    await Deno.writeTextFile(`${dir}/2026-01-0${f + 1}.00:00:00.log`, lines.join("\n") + "\n");
  }
}

/** One ~1 KiB `user.login`-like event. */
function sampleEvent(i: number): string {
  return JSON.stringify({
    ei: i,
    event: "user.login",
    uid: crypto.randomUUID(),
    code: i % 10 === 0 ? "T1000W" : "T1000I",
    time: new Date(Date.UTC(2026, 0, 1) + i * 10).toISOString(),
    cluster_name: "teleport.example.com",
    user: `user-${i % 1000}`,
    required_private_key_policy: "none",
    success: i % 10 !== 0,
    method: "local",
    "addr.remote": `10.0.${(i >> 8) & 255}.${i & 255}:53512`,
    user_agent:
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    mfa_device: {
      mfa_device_name: "yubikey",
      mfa_device_uuid: crypto.randomUUID(),
      mfa_device_type: "WebAuthn",
    },
    attributes: { trait_logins: ["root", "ubuntu", "ec2-user"], trait_kubernetes_groups: ["system:masters"] },
    server_labels: { env: "production", region: "eu-west-1", team: "platform" },
    message: "x".repeat(260),
  });
}

/** Runs one variant over the log in `logDir` and returns events per second. */
export async function measurePipeline(
  variant: PipelineVariant,
  logDir: string,
  outPath: string,
): Promise<number> {
  await Deno.remove(outPath).catch(() => {});
  const source = await FileSource.open({ path: logDir, follow: false });
  const sink = await FileSink.open(outPath);
  try {
    const summary = await runPipeline({ source, sink, processor: variant.processor, statusIntervalMs: 0 });
    if (summary.counters.eventsOut !== summary.counters.eventsIn) {
      throw new Error(`${variant.name}: ${summary.counters.eventsIn} in, ${summary.counters.eventsOut} out`);
    }
    return summary.counters.eventsIn / (summary.durationMs / 1000);
  } finally {
    await sink.close();
    await source.close();
  }
}

/**
 * Measures every variant side by side; returns a markdown table with ratios to the first variant. Without
 * `variants`: the built-in ones, the converter alone, and the passthrough plugin as `run` runs it.
 */
export async function run(variants?: readonly PipelineVariant[]): Promise<string> {
  if (variants === undefined) return await runWithPlugin();
  const memoryBacked = await isDirectory("/dev/shm");
  // On tmpfs fsync costs nothing, so the rows compare the pipeline's own costs rather than a (shared, noisy) disk.
  const dir = await Deno.makeTempDir({
    prefix: "tpf-bench-pipeline-",
    ...(memoryBacked ? { dir: "/dev/shm" } : {}),
  });
  try {
    await Deno.mkdir(`${dir}/log`);
    await writeAuditLog(`${dir}/log`);
    const { size } = await Deno.stat(`${dir}/log/2026-01-01.00:00:00.log`);
    const bytesPerEvent = Math.round(size / Math.ceil(EVENTS / FILES));
    // Warm-up: JIT and page cache.
    await measurePipeline(variants[0], `${dir}/log`, `${dir}/out.jsonl`);
    const best = variants.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, variant] of variants.entries()) {
        best[i] = Math.max(best[i], await measurePipeline(variant, `${dir}/log`, `${dir}/out.jsonl`));
      }
    }
    const rows = variants.map((variant, i) =>
      `| ${variant.name} | ${Math.round(best[i]).toLocaleString("en-US")} | ${
        (best[i] / best[0]).toFixed(2)
      } |`
    );
    return [
      `Pipeline throughput: ${
        EVENTS.toLocaleString("en-US")
      } events of ~${bytesPerEvent} B, file source -> file sink ` +
      `(fsync per batch of up to 1,000) on ${memoryBacked ? "tmpfs" : "disk"}, best of ${ROUNDS}`,
      "",
      "| variant | events/s | ratio to no processor |",
      "|---|---:|---:|",
      ...rows,
    ].join("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** A passthrough plugin without the example's per-event trace: the cost of the plugin path itself. */
const PASSTHROUGH_HANDLER = `import { plugin } from '../vendor/teleport';

export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const response = new plugin.HandleEventResponse();
    response.Event = request.Event;
    response.Success = true;
    return response;
}
`;

/**
 * The built-in variants next to the plugin path as \`run\` runs it (lines to the workers, which convert them,
 * run the passthrough plugin built by the real compiler in a temporary project and decide each outcome) with 1
 * and 2 instances, and the converter alone on the main thread (JSON -> \`events.OneOf\` -> request, no pool:
 * the work the workers take off the main thread).
 */
async function runWithPlugin(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tpf-bench-plugin-" });
  const pools: { close(): Promise<void> }[] = [];
  try {
    await createPluginProject({ dir, example: "passthrough" });
    await Deno.writeTextFile(join(dir, "assembly", "event_handler.ts"), PASSTHROUGH_HANDLER);
    await buildPlugin(dir, ["production"]);
    const plugin = await Deno.readFile(join(dir, "build", "production.wasm"));
    const json = new TeleportJsonCodec();
    const variants: PipelineVariant[] = [...BASE_VARIANTS, {
      name: "converter only, on the main thread (JSON -> OneOf -> request, no pool)",
      processor: {
        kind: "lines",
        process: (lines) =>
          Promise.resolve(lines.map((line) => {
            json.toEvent(line, 1);
            return FORWARD;
          })),
      },
    }];
    const eventLines = new EventLines();
    for (const concurrency of [1, 2]) {
      const pool = await ExecutionContextPool.create({
        plugin,
        traits: [new AssemblyScriptEnv(), eventLines] as const,
        concurrency,
        timeout: 5_000,
      });
      pools.push(pool);
      variants.push({
        name: `passthrough plugin (run's processor), ${concurrency} instance${concurrency > 1 ? "s" : ""}`,
        processor: createPluginProcessor({ pool }),
      });
    }
    const inProcess = await run(variants);
    return `${inProcess}\n\n${await measureRunCommand(join(dir, "build", "production.wasm"))}`;
  } finally {
    for (const pool of pools) await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Events in the log that `run` reads as a child process: the plugin path needs ~0.4 s to warm up (start-up and
 * JIT in three isolates), so this many make the rows compare steady states, as a long-running forwarder sees.
 */
const RUN_COMMAND_EVENTS = 500_000;

/**
 * The \`run\` command itself, as an operator starts it (a child process, cold: JIT, plugin compilation and
 * start-up included), file log -> file, with the passthrough plugin and with \`--no-plugin\`.
 */
async function measureRunCommand(pluginPath: string): Promise<string> {
  const memoryBacked = await isDirectory("/dev/shm");
  const dir = await Deno.makeTempDir({
    prefix: "tpf-bench-run-",
    ...(memoryBacked ? { dir: "/dev/shm" } : {}),
  });
  try {
    await Deno.mkdir(`${dir}/log`);
    await writeAuditLog(`${dir}/log`, RUN_COMMAND_EVENTS);
    const cli = new URL("../cli.ts", import.meta.url).pathname;
    const variants = [["--no-plugin"], ["--plugin", pluginPath, "--concurrency", "1"], [
      "--plugin",
      pluginPath,
    ]];
    const best = variants.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, args] of variants.entries()) {
        await Deno.remove(`${dir}/state`, { recursive: true }).catch(() => {});
        await Deno.remove(`${dir}/out.jsonl`).catch(() => {});
        const started = performance.now();
        const { code, stderr } = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--no-prompt",
            cli,
            "run",
            ...args,
            "--from",
            `file:${dir}/log`,
            "--to",
            `file:${dir}/out.jsonl`,
            "--state-dir",
            `${dir}/state`,
            "--no-follow",
            "--status-interval",
            "0",
          ],
          stdout: "null",
        }).output();
        if (code !== 0) throw new Error(`run ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
        best[i] = Math.max(best[i], RUN_COMMAND_EVENTS / ((performance.now() - started) / 1000));
      }
    }
    return [
      `The run command as a child process: ${
        RUN_COMMAND_EVENTS.toLocaleString("en-US")
      } events, file log -> file, ` +
      `process start to exit, best of ${ROUNDS}`,
      "",
      "| run | events/s | ratio to --no-plugin |",
      "|---|---:|---:|",
      ...variants.map((args, i) =>
        `| ${
          args[0] === "--no-plugin"
            ? "--no-plugin"
            : `passthrough plugin, ${args.length > 2 ? "1 instance" : "2 instances (default)"}`
        } | ${Math.round(best[i]).toLocaleString("en-US")} | ${(best[i] / best[0]).toFixed(2)} |`
      ),
    ].join("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) console.log(await run());
