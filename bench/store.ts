/**
 * takeToken latency of each token store backend: memory, Deno KV (a temporary file) and Redis (a
 * redis-server started for the run on a loopback port), p50 and p99 over 10,000 sequential calls.
 *
 * The calls spread over 1,000 scopes with a 300 s ttl, like failed logins of 1,000 users: each scope ends
 * with 10 live tokens. Every backend runs the same sequence in the same run, so the ratios compare.
 *
 * Run alone: `deno run -A --no-prompt bench/store.ts`.
 *
 * @module
 */
import { openTokenStore } from "../lib/store/open.ts";
import type { TokenStore } from "../lib/store/types.ts";
import { startRedisServer } from "../tests/helpers/redis.ts";

const CALLS = 10_000;
const SCOPES = 1_000;
const TTL_SECONDS = 300;
/** Calls before measuring, so JIT compilation and connection set-up are not counted. */
const WARM_UP = 500;

/** Targets from the issue, in microseconds (p50 and p99 alike). */
const TARGET_US: Record<string, number> = { memory: 25, kv: 1000, redis: 1000 };

interface Row {
  backend: string;
  p50: number;
  p99: number;
  mean: number;
}

/** Measures every backend and returns a Markdown table. */
export async function run(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tpf-bench-store-" });
  await using redis = await startRedisServer();
  try {
    const specs: Record<string, string> = {
      memory: "memory",
      kv: `kv:${dir}/tokens.kv`,
      redis: redis.spec(0),
    };
    const rows: Row[] = [];
    for (const [backend, spec] of Object.entries(specs)) {
      const store = await openTokenStore(spec);
      try {
        rows.push({ backend, ...await measure(store) });
      } finally {
        await store.close();
      }
    }
    return format(rows);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Per-call latency in microseconds of CALLS sequential takeToken calls. */
async function measure(store: TokenStore): Promise<Omit<Row, "backend">> {
  for (let i = 0; i < WARM_UP; i++) await store.takeToken(`warm-up-${i % SCOPES}`, TTL_SECONDS);
  const samples = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const scope = `user-${i % SCOPES}`;
    const start = performance.now();
    await store.takeToken(scope, TTL_SECONDS);
    samples[i] = (performance.now() - start) * 1000;
  }
  samples.sort();
  return {
    p50: samples[Math.floor(CALLS * 0.5)],
    p99: samples[Math.floor(CALLS * 0.99)],
    mean: samples.reduce((sum, value) => sum + value, 0) / CALLS,
  };
}

function format(rows: Row[]): string {
  const memory = rows.find((row) => row.backend === "memory")!;
  const us = (value: number) => value < 10 ? value.toFixed(2) : value.toFixed(0);
  const lines = [
    `takeToken latency, host side (store called directly), ${CALLS} calls over ${SCOPES} scopes, us`,
    "",
    "| backend | p50 | p99 | mean | p50 vs memory | target | met |",
    "|---|---:|---:|---:|---:|---:|---|",
    ...rows.map((row) => {
      const target = TARGET_US[row.backend];
      const met = row.p50 < target && row.p99 < target ? "yes" : row.p50 < target ? "p50 only" : "no";
      return `| ${row.backend} | ${us(row.p50)} | ${us(row.p99)} | ${us(row.mean)} | ${
        (row.p50 / memory.p50).toFixed(0)
      }x | < ${target} | ${met} |`;
    }),
  ];
  return lines.join("\n");
}

if (import.meta.main) console.log(await run());
