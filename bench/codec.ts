/**
 * Per-event cost of decoding and re-encoding `events.OneOf` in a plugin (generated AssemblyScript, release
 * build) against protobufjs doing the same in JavaScript, side by side in one run, for a small `user.login`
 * and a ~1 KiB `session.start`. The AssemblyScript column includes copying the bytes into the module and
 * the result out, as the host does for every event.
 *
 * Run alone: `deno run -A --no-prompt bench/codec.ts`.
 *
 * @module
 */
import { compileAssemblyScript } from "../lib/asc/compiler.ts";
import { generateAssemblyScript } from "../lib/codegen/generate.ts";
import { bundledSchema } from "../lib/proto/schema.ts";
import { TeleportJsonCodec } from "../lib/teleport_json/codec.ts";
import { SAMPLE_LINE } from "./convert.ts";

const ENTRY = `import { events } from "./teleport";

export function newBuffer(length: i32): ArrayBuffer {
  return new ArrayBuffer(length);
}

export function roundTrip(buf: ArrayBuffer): ArrayBuffer {
  return events.OneOf.decode(buf).encode();
}
`;

interface Exports {
  memory: WebAssembly.Memory;
  newBuffer(length: number): number;
  roundTrip(buf: number): number;
  __pin(ptr: number): number;
  __unpin(ptr: number): void;
}

/** A small sample event, as an object for protobufjs's `fromObject`. */
const USER_LOGIN: Record<string, Record<string, unknown>> = {
  UserLogin: {
    Metadata: { Index: 1, Type: "user.login", ID: "36da4091-eb14-f814-69f8-5b97bd919e3d", Code: "T1000I" },
    User: { User: "alice", Login: "alice" },
    Status: { Success: true },
    Method: "local",
  },
};

function timePerCall(iterations: number, body: () => void): number {
  for (let i = 0; i < Math.min(iterations, 2000); i++) body(); // warm up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) body();
  return ((performance.now() - started) * 1000) / iterations;
}

/** Runs the comparison and returns a markdown table (microseconds per event and the ratio). */
export async function run(): Promise<string> {
  const { root, oneOf } = bundledSchema();
  const files = Object.fromEntries(
    [...generateAssemblyScript(root)].map(([path, source]) => [`teleport/${path}`, source]),
  );
  const { binary, millis } = await compileAssemblyScript({
    entries: ["main.ts"],
    files: { ...files, "main.ts": ENTRY },
    target: "release",
  });
  const { instance } = await WebAssembly.instantiate(binary as BufferSource, {
    env: {
      abort() {
        throw new Error("AssemblyScript abort");
      },
    },
  });
  const wasm = instance.exports as unknown as Exports;

  const rows = [
    "| event | bytes | AssemblyScript (us) | protobufjs (us) | protobufjs / AssemblyScript |",
    "|---|---|---|---|---|",
  ];
  const samples: [string, Uint8Array][] = [
    ["user.login", oneOf.encode(oneOf.fromObject(USER_LOGIN)).finish()],
    ["session.start (file-log line)", new TeleportJsonCodec().toEvent(SAMPLE_LINE).bytes],
  ];
  for (const [name, bytes] of samples) {
    const viaWasm = () => {
      const input = wasm.__pin(wasm.newBuffer(bytes.length));
      new Uint8Array(wasm.memory.buffer, input, bytes.length).set(bytes);
      const output = wasm.roundTrip(input);
      wasm.__unpin(input);
      const length = new Uint32Array(wasm.memory.buffer)[(output - 4) >>> 2];
      return new Uint8Array(wasm.memory.buffer, output, length).slice();
    };
    // Generated code leaves out empty singular messages, which Go writes as empty fields: compare events.
    const view = (b: Uint8Array) =>
      JSON.stringify(
        oneOf.toObject(oneOf.decode(b), { longs: String, bytes: String }),
        (
          _,
          v,
        ) => (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0 ? undefined : v),
      );
    if (view(viaWasm()) !== view(bytes)) {
      throw new Error(`${name}: the AssemblyScript round trip changed the event`);
    }
    const iterations = 20_000;
    const asMicros = timePerCall(iterations, viaWasm);
    const jsMicros = timePerCall(iterations, () => oneOf.encode(oneOf.decode(bytes)).finish());
    rows.push(
      `| ${name} | ${bytes.length} | ${asMicros.toFixed(2)} | ${jsMicros.toFixed(2)} | ${
        (jsMicros / asMicros).toFixed(2)
      }x |`,
    );
  }
  return [
    `Decode + encode of one events.OneOf (release build of the bundled schema, compiled in ${
      (millis / 1000).toFixed(1)
    } s).`,
    "",
    ...rows,
  ].join("\n");
}

if (import.meta.main) console.log(await run());
