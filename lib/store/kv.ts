/**
 * A token store in a Deno KV file: the embedded default for `run`. Counts survive a restart, and several
 * processes (or workers) on one machine may share the file.
 *
 * Layout, under a namespace (the first element of every key):
 *
 * - a token is the key `[namespace, scope, expiresAtMs, id]` with the value {@linkcode TOKEN}; keys sort by
 *   expiry, so a scope's expired tokens are always a prefix of its tokens;
 * - the scope's state is the key `[namespace, scope]` ({@linkcode ScopeState}): the count of its live tokens
 *   and a cursor, the last token key whose token has expired and is no longer counted.
 *
 * A scope is one key element, so `foo` never matches `foobar`.
 * `takeToken` reads the state, lists only the tokens between the cursor and now (the ones that expired since
 * the last call), and in one atomic operation checked against the state's versionstamp deletes them, adds the
 * new token and writes the new count and cursor. Its cost does not depend on how many tokens are live, and
 * concurrent takers, in this process or others, are serialized by the check: each sees a distinct count. A
 * take that meets more expired tokens than one atomic operation may delete goes through them in batches.
 *
 * Deno KV also deletes keys by itself once their `expireIn` has passed (about once a minute), which would
 * make a counted token vanish unseen. Tokens are therefore kept {@linkcode GRACE_MS} past their expiry; when a
 * scope has been left alone longer than {@linkcode TRUST_MS}, or has no state (a new scope, or tokens written
 * by the earlier layout, which had no state and no grace), the count is rebuilt by counting its live tokens,
 * in batches, giving earlier-layout tokens the grace on the way. That costs as much as the scope's live
 * tokens, once per idle period, so it is amortized by the takes that made them. Processes sharing a file
 * must all run this layout: tokens an earlier version adds to a scope that has a state are not counted.
 *
 * @module
 */
import type { TokenStore } from "./types.ts";
import { checkScope, checkTtl, TokenStoreArgumentError } from "./validate.ts";
import { logger } from "../log.ts";
import { errorMessage } from "../error_message.ts";

/** Options for {@linkcode KvTokenStore.open}. */
export interface KvTokenStoreOptions {
  /** The clock, in milliseconds since the epoch. Default `Date.now`; tests inject a fake one. */
  now?: () => number;
  /** First element of every key, so the file can hold other data too. Default `teleport-plugin-framework/tokens`. */
  namespace?: string;
  /** How many times a call is retried while the file is locked by another writer. Default 20. */
  lockRetries?: number;
}

const DEFAULT_NAMESPACE = "teleport-plugin-framework/tokens";

/** The value of a token key. The earlier layout wrote `1` and no scope state; such tokens are adopted. */
const TOKEN = 2;
/** How long a token key outlives its expiry before Deno KV may delete it by itself. */
const GRACE_MS = 60 * 60 * 1000;
/** A scope's count is trusted while its last sweep is this recent: half the grace, a margin for clock skew. */
const TRUST_MS = GRACE_MS / 2;

/**
 * A clock this far behind a scope's cursor has been set back: the scope is recounted at the new time. Smaller
 * steps only hold store time at the cursor for as long (expiry waits that long); a recount for every tiny step
 * would make takes cost as much as the scope holds.
 */
const CLOCK_STEP_BACK_MS = 1000;

/** What a take step that lost its commit to another writer resolves to. */
const LOST_RACE = Symbol("lost race");

/** Longest pause before a take that lost a race tries again. */
const MAX_RACE_PAUSE_MS = 20;

/** Longest scope, in encoded bytes, so that token keys stay well within Deno KV's 2 KiB key limit. */
export const MAX_KV_SCOPE_BYTES = 1024;
/** The most token keys one atomic operation deletes or rewrites. */
const MAX_BATCH = 500;
/**
 * Deno KV refuses an atomic operation whose keys add up to more than 80 KiB; batches stay under this, which
 * leaves room for the state key, its check and the new token.
 */
const BATCH_KEY_BYTES = 64 * 1024;

/** Where a token sits in its scope: `[expiresAtMs, id]`; `[t, true]` sorts after every token expiring at `t`. */
type TokenPosition = [expiresAt: number, id: string | true];

/** What the key `[namespace, scope]` holds. */
interface ScopeState {
  /** Tokens counted: those after `swept` (and, while a recount runs, not after `recounted`). */
  count: number;
  /** Tokens up to here have expired: they are no longer counted, and are deleted or left to Deno KV. */
  swept: TokenPosition;
  /** While a recount runs: the tokens after `swept` up to here are counted; the ones after, not yet. */
  recounted?: TokenPosition;
  /** The latest expiry of a counted token: the state itself expires {@linkcode GRACE_MS} after it. */
  latest: number;
}

const log = logger("store", "kv");
const encoder = new TextEncoder();
/** Appended to a key, gives the first key after it (no key part sorts before an empty byte string). */
const FIRST_PART = new Uint8Array(0);

/**
 * Token store backed by Deno KV.
 *
 * @example
 * ```ts
 * import { KvTokenStore } from "./kv.ts";
 * const store = await KvTokenStore.open("./state/tokens.kv");
 * const attempts = await store.takeToken("login-failures/alice", 300);
 * await store.close();
 * ```
 */
export class KvTokenStore implements TokenStore {
  readonly #kv: Deno.Kv;
  readonly #label: string;
  readonly #namespace: string;
  readonly #now: () => number;
  /** By scope: the end of the last operation this store runs on it (see `#inTurn`). */
  readonly #turns = new Map<string, Promise<void>>();
  readonly #lockRetries: number;

  private constructor(kv: Deno.Kv, label: string, options: KvTokenStoreOptions) {
    this.#kv = kv;
    this.#label = label;
    this.#namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.#now = options.now ?? Date.now;
    this.#lockRetries = options.lockRetries ?? 20;
  }

  /** Opens (creating if needed) the Deno KV file at `path`; the folder must exist. */
  static async open(path: string, options: KvTokenStoreOptions = {}): Promise<KvTokenStore> {
    if (path === "") throw new Error("kv token store: the file path is empty (write kv:PATH)");
    let kv: Deno.Kv;
    try {
      kv = await Deno.openKv(path);
    } catch (error) {
      throw new Error(`kv token store: cannot open Deno KV file '${path}': ${errorMessage(error)}`);
    }
    return new KvTokenStore(kv, path, options);
  }

  /**
   * A store on a Deno KV database that is already open, e.g. one the application uses for other data too
   * (keep it apart with `namespace`). The store owns `kv` from now on: {@linkcode close} closes it.
   * `label` names the database in error messages.
   *
   * @example
   * ```ts
   * import { KvTokenStore } from "./kv.ts";
   * const store = KvTokenStore.fromKv(await Deno.openKv("./state/app.kv"), "./state/app.kv");
   * await store.takeToken("login-failures/alice", 300);
   * await store.close();
   * ```
   */
  static fromKv(kv: Deno.Kv, label: string, options: KvTokenStoreOptions = {}): KvTokenStore {
    return new KvTokenStore(kv, label, options);
  }

  /** Adds a token to `scope` that expires after `ttlSeconds`; resolves to the scope's live token count. */
  async takeToken(scope: string, ttlSeconds: number): Promise<number> {
    checkScope("takeToken", scope);
    checkKvScopeSize("takeToken", scope);
    checkTtl(ttlSeconds);
    const ttlMs = ttlSeconds * 1000;
    const batch = batchSize(this.#namespace, scope);
    return await this.#inTurn(scope, async () => {
      for (let lost = 0;;) {
        const step = await this.#retryWhileLocked("takeToken", () => this.#takeStep(scope, ttlMs, batch));
        if (typeof step === "number") return step;
        // Another process changed the scope first: a pause, random and growing, lets a burst of takers go
        // through one after another instead of all retrying together (quadratically many commits).
        if (step === LOST_RACE) await sleep(Math.random() * Math.min(MAX_RACE_PAUSE_MS, 2 ** lost++));
      }
    });
  }

  /** Removes every token of `scope`. */
  async releaseTokens(scope: string): Promise<void> {
    checkScope("releaseTokens", scope);
    checkKvScopeSize("releaseTokens", scope);
    const batch = batchSize(this.#namespace, scope);
    await this.#inTurn(scope, async () => {
      for (;;) {
        const done = await this.#retryWhileLocked("releaseTokens", () => this.#releaseStep(scope, batch));
        if (done) return;
      }
    });
  }

  /**
   * Runs `operation` after the ones this store already runs on `scope`: takes through one handle would only
   * race each other for the scope's state (each losing commit is a wasted round trip), so they go in turn;
   * other processes and handles are still kept apart by the versionstamp check.
   */
  #inTurn<T>(scope: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#turns.get(scope) ?? Promise.resolve();
    const result = previous.then(operation);
    const done = result.then(() => {}, () => {});
    this.#turns.set(scope, done);
    done.then(() => {
      if (this.#turns.get(scope) === done) this.#turns.delete(scope);
    });
    return result;
  }

  /** Closes the file. */
  close(): Promise<void> {
    this.#kv.close();
    return Promise.resolve();
  }

  /**
   * One atomic step of `takeToken`: starts or continues a recount, or sweeps one batch of expired tokens, or
   * (once nothing is left to do first) adds the token. Resolves to the count once the token is added,
   * {@linkcode LOST_RACE} when another writer changed the scope first, or undefined when another step must
   * follow.
   */
  async #takeStep(
    scope: string,
    ttlMs: number,
    batch: number,
  ): Promise<number | typeof LOST_RACE | undefined> {
    const stateKey = [this.#namespace, scope];
    const entry = await this.#kv.get<ScopeState>(stateKey);
    const state = entry.value;
    const clock = this.#now();
    // Recounted: a new scope, one idle past trust, or a clock set back (tokens added meanwhile would sort
    // before the cursor, and so never be swept).
    if (state === null || clock - state.swept[0] >= TRUST_MS || state.swept[0] - clock > CLOCK_STEP_BACK_MS) {
      // Nothing to trust: count the tokens live at `clock` anew, from the first one after it.
      const fresh: ScopeState = { count: 0, swept: [clock, true], recounted: [clock, true], latest: clock };
      if (state !== null) {
        log.debug("recounting scope {scope}, idle since {since}", { scope, since: state.swept[0] });
      }
      await this.#commit(entry, fresh, clock);
      return undefined;
    }
    // Store time never goes back, so a token added now always sorts after the cursor.
    const now = Math.max(clock, state.swept[0]);
    if (hasRecount(state)) {
      await this.#recountStep(scope, entry, state, now, batch);
      return undefined;
    }
    const sweptToNow = state.swept[0] === now && state.swept[1] === true;
    const expired = sweptToNow ? [] : await this.#list(
      { start: this.#keyAfter(scope, state.swept), end: [this.#namespace, scope, now, true] },
      batch,
    );
    const next: ScopeState = { ...state, count: state.count - countedAmong(state, expired) };
    const operation = this.#kv.atomic().check(entry);
    for (const token of expired) operation.delete(token.key);
    if (expired.length === batch) {
      // Possibly more expired tokens: settle these, and go on from the last one.
      next.swept = position(expired[expired.length - 1].key);
      await this.#commit(entry, next, now, operation);
      return undefined;
    }
    const expiresAt = now + ttlMs;
    next.swept = [now, true];
    next.count++;
    next.latest = Math.max(state.latest, expiresAt);
    operation.set([this.#namespace, scope, expiresAt, crypto.randomUUID()], TOKEN, {
      expireIn: ttlMs + GRACE_MS,
    });
    operation.set(stateKey, next, { expireIn: stateExpireIn(next, now) });
    const { ok } = await operation.commit();
    return ok ? next.count : LOST_RACE;
  }

  /** Counts one batch of the tokens after `state.recounted`, giving earlier-layout tokens their grace. */
  async #recountStep(
    scope: string,
    entry: Deno.KvEntryMaybe<ScopeState>,
    state: ScopeState & { recounted: TokenPosition },
    now: number,
    batch: number,
  ): Promise<void> {
    const tokens = await this.#list(
      { prefix: [this.#namespace, scope], start: this.#keyAfter(scope, state.recounted) },
      batch,
    );
    const next: ScopeState = { ...state, count: state.count + tokens.length };
    const operation = this.#kv.atomic().check(entry);
    for (const token of tokens) {
      const [expiresAt] = position(token.key);
      next.latest = Math.max(next.latest, expiresAt);
      if (token.value !== TOKEN) {
        operation.set(token.key, TOKEN, { expireIn: Math.max(expiresAt - now, 0) + GRACE_MS });
      }
    }
    if (tokens.length === batch) next.recounted = position(tokens[tokens.length - 1].key);
    else delete next.recounted;
    await this.#commit(entry, next, now, operation);
  }

  /** Deletes one batch of the scope's tokens; resolves true once the scope (tokens and state) is gone. */
  async #releaseStep(scope: string, batch: number): Promise<boolean> {
    const stateKey = [this.#namespace, scope];
    const entry = await this.#kv.get<ScopeState>(stateKey);
    const tokens = await this.#list({ prefix: stateKey }, batch);
    const operation = this.#kv.atomic().check(entry);
    for (const token of tokens) operation.delete(token.key);
    const last = tokens.length < batch;
    if (last) {
      if (tokens.length === 0 && entry.versionstamp === null) return true;
      operation.delete(stateKey);
    } else if (entry.value !== null) {
      const next = { ...entry.value, count: entry.value.count - countedAmong(entry.value, tokens) };
      operation.set(stateKey, next, { expireIn: stateExpireIn(next, this.#now()) });
    }
    const { ok } = await operation.commit();
    return ok && last;
  }

  /** Writes `next` as the scope's state if `entry` is still current, with `operation`'s other changes. */
  async #commit(
    entry: Deno.KvEntryMaybe<ScopeState>,
    next: ScopeState,
    now: number,
    operation: Deno.AtomicOperation = this.#kv.atomic().check(entry),
  ): Promise<void> {
    await operation.set(entry.key, next, { expireIn: stateExpireIn(next, now) }).commit();
  }

  /** Reads at most `limit` token entries in one round trip. */
  async #list(selector: Deno.KvListSelector, limit: number): Promise<Deno.KvEntry<unknown>[]> {
    const entries: Deno.KvEntry<unknown>[] = [];
    for await (const entry of this.#kv.list(selector, { limit, batchSize: limit })) entries.push(entry);
    return entries;
  }

  /** The first key after the token key at `at` in `scope`. */
  #keyAfter(scope: string, at: TokenPosition): Deno.KvKey {
    return [this.#namespace, scope, ...at, FIRST_PART];
  }

  /** Runs `operation`, retrying with a short growing pause while SQLite reports the file locked. */
  async #retryWhileLocked<T>(method: string, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isLockedError(error) || attempt >= this.#lockRetries) {
          throw new Error(`kv token store '${this.#label}': ${method} failed: ${errorMessage(error)}`);
        }
        log.debug("{path} is locked, retry {attempt}", { path: this.#label, attempt: attempt + 1 });
        await sleep(Math.min(1 + attempt * attempt, 50) * (0.5 + Math.random()));
      }
    }
  }
}

function hasRecount(state: ScopeState): state is ScopeState & { recounted: TokenPosition } {
  return state.recounted !== undefined;
}

/** How many of `tokens` (entries of the scope, in key order) `state` counts. */
function countedAmong(state: ScopeState, tokens: Deno.KvEntry<unknown>[]): number {
  let counted = 0;
  for (const token of tokens) {
    const at = position(token.key);
    if (
      token.value === TOKEN && isAfter(at, state.swept) &&
      (state.recounted === undefined || !isAfter(at, state.recounted))
    ) counted++;
  }
  return counted;
}

/** The position of a token from its key `[namespace, scope, expiresAt, id]`. */
function position(key: Deno.KvKey): TokenPosition {
  return [key[2] as number, key[3] as string];
}

function isAfter(a: TokenPosition, b: TokenPosition): boolean {
  if (a[0] !== b[0]) return a[0] > b[0];
  if (a[1] === true || b[1] === true) return a[1] === true && b[1] !== true;
  return a[1] > b[1];
}

/** The state outlives the scope's last token by the grace, so an abandoned scope leaves nothing behind. */
function stateExpireIn(state: ScopeState, now: number): number {
  return Math.max(state.latest - now, 0) + GRACE_MS;
}

/**
 * Tokens per atomic operation for `scope`: as many as fit {@linkcode BATCH_KEY_BYTES}, counting each key as
 * Deno KV encodes it (a string takes its UTF-8 bytes, one more per zero byte, and two; a number nine).
 */
/** Refuses a scope whose token keys would come near Deno KV's key size limit, naming the method and the size. */
function checkKvScopeSize(method: "takeToken" | "releaseTokens", scope: string): void {
  const bytes = encoder.encode(scope).length;
  if (bytes > MAX_KV_SCOPE_BYTES) {
    throw new TokenStoreArgumentError(
      `store.${method}: scope is ${bytes} bytes long; the kv store takes scopes of at most ${MAX_KV_SCOPE_BYTES} bytes`,
    );
  }
}

function batchSize(namespace: string, scope: string): number {
  const tokenKeyBytes = encodedSize(namespace) + encodedSize(scope) + 9 + UUID_BYTES + 2;
  return Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_KEY_BYTES / tokenKeyBytes)));
}

/** Length of a `crypto.randomUUID()`, the id of a token. */
const UUID_BYTES = 36;

function encodedSize(text: string): number {
  const bytes = encoder.encode(text);
  return bytes.length + 2 + bytes.filter((byte) => byte === 0).length;
}

function isLockedError(error: unknown): boolean {
  return error instanceof Error && /database is locked|database is busy/i.test(error.message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
