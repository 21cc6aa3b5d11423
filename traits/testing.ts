/**
 * The `test` host functions plugin tests use: fixtures and the latest Teleport API request.
 *
 * @module
 */
import { type HostFunction, hostFunction, type Trait } from "../lib/pool/trait.ts";

/** Options for {@linkcode Testing}. */
export interface TestingOptions {
  /** Fixtures by number: each an encoded `events.OneOf`. */
  readonly fixtures: ReadonlyMap<number, Uint8Array>;
  /** Where the fixtures came from (e.g. their folder), named when a test asks for one that is missing. */
  readonly fixturesOrigin?: string;
  /** The latest `api.upsertLock` request recorded (e.g. by a recording `TeleportClient`), if any. */
  readonly latestApiRequest: () => Uint8Array | undefined;
}

/**
 * Wraps encoded `events.OneOf` bytes as a `plugin.HandleEventRequest`: field 1 (`Event`), length-delimited.
 */
export function wrapAsHandleEventRequest(oneOf: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = oneOf.byteLength;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const out = new Uint8Array(1 + length.length + oneOf.byteLength);
  out[0] = 0x0a;
  out.set(length, 1);
  out.set(oneOf, 1 + length.length);
  return out;
}

/**
 * Gives plugin tests their fixtures and the mock API's latest request. Runs on the main thread.
 *
 * Plugin declarations (AssemblyScript):
 * ```ts ignore
 * @external("test", "getFixture") export declare function getFixture(n: i32): ArrayBuffer;
 * @external("test", "getFixtureAsHandleEventRequest")
 * export declare function getFixtureAsHandleEventRequest(n: i32): ArrayBuffer;
 * @external("test", "hasLatestAPIRequest") export declare function hasLatestAPIRequest(): bool;
 * @external("test", "getLatestAPIRequest") export declare function getLatestAPIRequest(): ArrayBuffer;
 * ```
 * A missing fixture fails the call with an error naming it. A host function cannot hand the plugin a null
 * reference, so `getLatestAPIRequest` returns an empty ArrayBuffer when nothing was recorded and
 * `hasLatestAPIRequest` tells the two apart: the project's `vendor/test.ts` combines them into a
 * `getLatestAPIRequest()` that returns null when there was no request.
 */
export class Testing implements Trait<Record<never, never>> {
  readonly name = "Testing";
  readonly requiredExports: Record<never, never> = {};
  /** The host functions this trait gives the plugin. */
  readonly hostFunctions: readonly HostFunction[];

  /** Builds the trait from the fixtures and the source of the latest API request. */
  constructor(options: TestingOptions) {
    const fixture = (n: number): Uint8Array => {
      const bytes = options.fixtures.get(n);
      if (bytes === undefined) {
        const known = [...options.fixtures.keys()].sort((a, b) => a - b).join(", ") || "none";
        const origin = options.fixturesOrigin ? ` in ${options.fixturesOrigin}` : "";
        throw new RangeError(`fixture ${n} does not exist${origin} (fixtures: ${known})`);
      }
      return bytes;
    };
    this.hostFunctions = [
      hostFunction({ namespace: "test", name: "getFixture", params: ["i32"], result: "bytes", run: fixture }),
      hostFunction({
        namespace: "test",
        name: "getFixtureAsHandleEventRequest",
        params: ["i32"],
        result: "bytes",
        run: (n) => wrapAsHandleEventRequest(fixture(n)),
      }),
      hostFunction({
        namespace: "test",
        name: "hasLatestAPIRequest",
        params: [],
        result: "bool",
        run: () => options.latestApiRequest() !== undefined,
      }),
      hostFunction({
        namespace: "test",
        name: "getLatestAPIRequest",
        params: [],
        result: "bytes",
        run: () => options.latestApiRequest() ?? new Uint8Array(),
      }),
    ] as const;
  }
}
