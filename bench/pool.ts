/**
 * Per-event cost of a trivial `handleEvent` (returns a 1 KiB copy of its 1 KiB input): the same work
 * in-thread (the floor: module instantiated once, copy in, call, copy out), through the pool one call per
 * message, and through the pool in batches, with 1 and 2 workers. Batched paths keep the same number of
 * batches in flight with 1 and 2 workers and run the same events; the pool splits each batch over all its
 * workers, so with 2 both work on every batch.
 *
 * All paths are measured in this run, in interleaved rounds (every path once per round, after a warm-up),
 * as wall time divided by the number of events; each row reports its fastest round, the one least
 * disturbed by other processes on a shared machine.
 *
 * @module
 */
import { ExecutionContextPool } from "../lib/pool/mod.ts";
import { AssemblyScriptEnv, HandleEvent } from "../traits/mod.ts";
import { compileAssemblyScript } from "../lib/asc/compiler.ts";
import { EVENT, floorLoop } from "./floor_loop.ts";

const SOURCE = `export function handleEvent(request: ArrayBuffer): ArrayBuffer { return request.slice(0); }`;
/**
 * A handler that also reads its event a number of times (a few microseconds of work, as a plugin that decodes
 * and inspects events does): with it the main thread's fixed share per event weighs less against the workers'.
 */
const BUSY_SOURCE = `export function handleEvent(request: ArrayBuffer): ArrayBuffer {
  const bytes = Uint8Array.wrap(request);
  let sum: u32 = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < bytes.length; i++) sum = (sum << 1) ^ (sum >> 31) ^ bytes[i];
  }
  const out = request.slice(0);
  if (out.byteLength > 0) store<u8>(changetype<usize>(out), <u8>sum);
  return out;
}`;
/** Events per round of a batched or in-thread path: ~100 ms, long enough that filling and draining the pool do not count. */
const EVENTS = 100_000;
/** Events per round with the busier handler (about 7x the work per event). */
const BUSY_EVENTS = 20_000;
const SINGLE_EVENTS = 2_000;
const ROUNDS = 7;
const BATCH = 500;

/** One measured path: runs `count` events. */
interface Path {
  readonly name: string;
  readonly events: number;
  readonly run: (count: number) => unknown;
}

async function floorPath(
  binary: Uint8Array,
  name = "in-thread floor (no pool)",
  events = EVENTS,
): Promise<Path> {
  const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  return { name, events, run: await floorLoop(module) };
}

/** Answers of a bare worker (see bare_worker.ts). */
function answer(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.onmessage = resolve;
    worker.onerror = reject;
  });
}

/**
 * The floor loop in `count` bare workers that share the events, while the main thread only waits: the
 * speed-up two of them reach is the most this machine gives the work itself, with no pool around it.
 */
async function bareWorkersPath(
  binary: Uint8Array,
  count: number,
): Promise<Path & { close(): void }> {
  const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL("./bare_worker.ts", import.meta.url), { type: "module" }),
  );
  await Promise.all(workers.map((worker) => {
    const ready = answer(worker);
    worker.postMessage({ module });
    return ready;
  }));
  return {
    name: `${count} bare worker(s) running the floor loop, no pool`,
    events: EVENTS,
    run: (events) =>
      Promise.all(workers.map((worker) => {
        const done = answer(worker);
        worker.postMessage(events / count);
        return done;
      })),
    close: () => workers.forEach((worker) => worker.terminate()),
  };
}

type Pool = Awaited<ReturnType<typeof createPool>>;

function createPool(binary: Uint8Array, concurrency: number) {
  return ExecutionContextPool.create({
    plugin: binary,
    traits: [new AssemblyScriptEnv(), new HandleEvent()],
    concurrency,
    timeout: 10_000,
  });
}

function singleCallPath(pool: Pool, concurrency: number): Path {
  return {
    name: `pool, single calls, ${concurrency} worker(s)`,
    events: SINGLE_EVENTS,
    async run(count) {
      // Several calls in flight at once; each call is its own message.
      const inFlight: Promise<unknown>[] = [];
      for (let sent = 0; sent < count; sent++) {
        inFlight.push(pool.execute("handleEvent", EVENT));
        if (inFlight.length >= concurrency * 4) await inFlight.shift();
      }
      await Promise.all(inFlight);
    },
  };
}

/** Positions of the paths in the order {@linkcode run} measures them. */
const FLOOR = 0, BARE_1 = 1, BARE_2 = 2, BATCHED_1 = 4, BATCHED_2 = 6, BUSY_FLOOR = 7, BUSY_1 = 8, BUSY_2 = 9;

/** Batches in flight at once, whatever the number of workers: each batch is split over all of them. */
const BATCHES_IN_FLIGHT = 4;

function batchPath(pool: Pool, concurrency: number, handler = "", events = EVENTS): Path {
  const calls = Array.from({ length: BATCH }, () => [EVENT] as [Uint8Array]);
  return {
    name: `pool, batches of ${BATCH}, ${concurrency} worker(s)${handler}`,
    events,
    async run(count) {
      // Several batches in flight, as a pipeline keeps them, so that no worker waits for the next one.
      const inFlight: Promise<unknown>[] = [];
      for (let sent = 0; sent < count; sent += BATCH) {
        inFlight.push(pool.batch("handleEvent", calls));
        if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
      }
      await Promise.all(inFlight);
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nanoseconds a thread of this process has run, from `/proc/self/task/<id>/schedstat` (Linux). */
function threadRunNs(id: string): number {
  return Number(Deno.readTextFileSync(`/proc/self/task/${id}/schedstat`).split(" ")[0]);
}

/**
 * CPU time in microseconds used so far by the main thread, by the pool's worker threads and by the whole
 * process (0 where `/proc` is missing). Worker threads are the ones Deno names `worker-N`.
 */
function cpuUs(): { main: number; workers: number; process: number } {
  const used = { main: 0, workers: 0, process: 0 };
  try {
    for (const { name: id } of Deno.readDirSync("/proc/self/task")) {
      try {
        const us = threadRunNs(id) / 1000;
        used.process += us;
        if (id === String(Deno.pid)) used.main += us;
        else if (Deno.readTextFileSync(`/proc/self/task/${id}/comm`).startsWith("worker-")) {
          used.workers += us;
        }
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // Not Linux.
  }
  return used;
}

/** Runs the benchmark and returns a markdown table. */
export async function run(): Promise<string> {
  const { binary } = await compileAssemblyScript({ entries: ["index.ts"], files: { "index.ts": SOURCE } });
  const busy = await compileAssemblyScript({
    entries: ["index.ts"],
    files: { "index.ts": BUSY_SOURCE },
    target: "release",
  });
  const pools = [
    await createPool(binary, 1),
    await createPool(binary, 2),
    await createPool(busy.binary, 1),
    await createPool(busy.binary, 2),
  ];
  const bare = [await bareWorkersPath(binary, 1), await bareWorkersPath(binary, 2)];
  try {
    const paths = [
      await floorPath(binary),
      ...bare,
      singleCallPath(pools[0], 1),
      batchPath(pools[0], 1),
      singleCallPath(pools[1], 2),
      batchPath(pools[1], 2),
      await floorPath(busy.binary, "in-thread floor, busier handler", BUSY_EVENTS),
      batchPath(pools[2], 1, ", busier handler", BUSY_EVENTS),
      batchPath(pools[3], 2, ", busier handler", BUSY_EVENTS),
    ];
    for (const path of paths) await path.run(path.events / 5); // warm-up
    const best = paths.map(() => Infinity);
    /** Per round, the time of each path: ratios are taken within a round, between neighbouring runs. */
    const rounds: number[][] = [];
    const cpu = paths.map(() => ({ main: 0, workers: 0, process: 0 }));
    const wallMs = paths.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push([]);
      for (const [i, path] of paths.entries()) {
        const before = cpuUs();
        const started = performance.now();
        await path.run(path.events);
        const elapsed = performance.now() - started;
        const after = cpuUs();
        best[i] = Math.min(best[i], elapsed * 1000 / path.events);
        rounds[round].push(elapsed * 1000 / path.events);
        cpu[i].main += after.main - before.main;
        cpu[i].workers += after.workers - before.workers;
        cpu[i].process += after.process - before.process;
        wallMs[i] += elapsed;
      }
    }
    const coresUsed = (i: number) => (cpu[i].process / 1000 / wallMs[i]).toFixed(2);
    const perEvent = (i: number, us: number) => (us / (ROUNDS * paths[i].events)).toFixed(2);
    const floorUs = best[FLOOR], busyFloorUs = best[BUSY_FLOOR];
    // The speed-up of 2 workers: the median over rounds of the ratio within each round, which a machine
    // that slows down for a while (shared cores) moves less than a ratio of two separate best times.
    const speedUp = (one: number, two: number) =>
      median(rounds.map((times) => times[one] / times[two])).toFixed(2);
    return [
      "| path (1 KiB event, trivial handler) | us/event | x floor |",
      "|---|---:|---:|",
      ...paths.map((path, i) =>
        `| ${path.name} | ${best[i].toFixed(2)} | ${
          (best[i] / (i < BUSY_FLOOR ? floorUs : busyFloorUs)).toFixed(2)
        } |`
      ),
      "",
      `Throughput of 2 workers vs 1 (batched; median over the rounds of the ratio within a round): ` +
      `${speedUp(BATCHED_1, BATCHED_2)}x with the trivial handler, ${
        speedUp(BUSY_1, BUSY_2)
      }x with the busier one ` +
      `(${busyFloorUs.toFixed(1)} us in-thread); the floor loop in bare workers, the main thread idle: ` +
      `${speedUp(BARE_1, BARE_2)}x, the most this machine gives the trivial handler's work with no pool. ` +
      `Rows: fastest of ${ROUNDS} interleaved rounds of ${EVENTS} events (${BUSY_EVENTS} with the busier handler, ` +
      `${SINGLE_EVENTS} for single calls), ` +
      `after a warm-up; ${navigator.hardwareConcurrency} cores. Cores this process got (CPU time / wall ` +
      `time) in the batched rounds: ${coresUsed(BATCHED_1)} with 1 worker, ${
        coresUsed(BATCHED_2)
      } with 2; two workers ` +
      `can only be faster when the machine gives the second one a core. CPU per batched event, main thread ` +
      `(encoding arguments, copying results out, bookkeeping) / all workers: ` +
      `${perEvent(BATCHED_1, cpu[BATCHED_1].main)} / ${
        perEvent(BATCHED_1, cpu[BATCHED_1].workers)
      } us with 1 worker, ` +
      `${perEvent(BATCHED_2, cpu[BATCHED_2].main)} / ${
        perEvent(BATCHED_2, cpu[BATCHED_2].workers)
      } us with 2; the main thread shares the ` +
      `cores with the workers, so on 2 cores its share bounds the speed-up.`,
    ].join("\n");
  } finally {
    for (const pool of pools) await pool.close();
    for (const path of bare) path.close();
  }
}
