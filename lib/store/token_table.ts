/**
 * The memory token store's data, laid out in one `SharedArrayBuffer` so that the main thread and every worker
 * of a pool count in the same table, each with a plain function call and no message between threads.
 *
 * Layout (all little-endian, one buffer):
 * - a header of Int32 words: the lock, a closed flag, counters and the capacities;
 * - an open-addressing hash table of scopes (linear probing), {@linkcode ENTRY_WORDS} Int32 words per slot;
 * - an arena of UTF-16 code units holding each scope's name, compared in full on lookup (scopes are exact);
 * - an arena of Float64 expiry times (ms since the epoch): each scope owns a block holding its live tokens in
 *   ascending order from `head`, so expired tokens are always a prefix, dropped by moving `head`.
 *
 * Arenas only grow at their end; when one (or the table) is full, the holder of the lock rebuilds everything
 * from the live tokens, which also forgets scopes whose tokens all expired. Only if the live data itself does
 * not fit does a call fail, with {@linkcode TokenTableFullError} naming the capacity option to raise.
 *
 * Every read and write of the table happens under the lock (a word taken with `Atomics.compareExchange`,
 * waited on with `Atomics.wait`), which also orders the plain typed-array accesses between threads. Times come
 * from `Date.now()`, the clock every thread shares.
 *
 * @module
 */

/** Capacities of a {@linkcode TokenTable}. */
export interface TokenTableCapacity {
  /** Most scopes holding live tokens at once. */
  readonly maxScopes: number;
  /** Most live tokens, over all scopes. */
  readonly maxTokens: number;
  /** Most UTF-16 code units of all scope names together. */
  readonly maxScopeUnits: number;
}

/** Thrown when the live scopes or tokens do not fit the table's capacity; the message names the option. */
export class TokenTableFullError extends Error {
  /** Builds the error naming the capacity option that ran out and its value. */
  constructor(option: keyof TokenTableCapacity, value: number) {
    super(`memory token store is full: more than ${option} = ${value} live; raise the ${option} option`);
    this.name = "TokenTableFullError";
  }
}

// Header words.
const LOCK = 0;
const CLOSED = 1;
const SCOPES = 2;
const USED_SLOTS = 3;
const KEY_USED = 4;
const TOKEN_USED = 5;
const SLOTS = 6;
const MAX_SCOPES = 7;
const MAX_TOKENS = 8;
const MAX_KEY_UNITS = 9;
const HEADER_WORDS = 16;

/** Int32 words per hash table slot. */
const ENTRY_WORDS = 8;
// Words of a slot.
const STATE = 0;
const HASH = 1;
const KEY_OFFSET = 2;
const KEY_LENGTH = 3;
const BLOCK_OFFSET = 4;
const BLOCK_CAPACITY = 5;
const HEAD = 6;
const LENGTH = 7;
// Slot states.
const EMPTY = 0;
const OCCUPIED = 1;
const DELETED = 2;

// Lock states (a futex-style mutex: waiters mark the word so the holder knows to wake one).
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;
/** Attempts before a thread waiting for the lock sleeps: critical sections last a microsecond or two. */
const SPINS = 100;
/** How long a thread waits for the lock before giving up: only a thread killed while holding it lasts this long. */
const LOCK_TIMEOUT_MS = 5_000;

/** Smallest token block a scope gets. */
const MIN_BLOCK = 4;

function nextPowerOfTwo(value: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, value)));
}

/** Bytes of the buffer for `capacity`, and where each part starts. */
function layout(capacity: TokenTableCapacity, slots: number) {
  const tableOffset = HEADER_WORDS * 4;
  const keysOffset = tableOffset + slots * ENTRY_WORDS * 4;
  // Float64 arrays need 8-byte alignment.
  const tokensOffset = Math.ceil((keysOffset + capacity.maxScopeUnits * 2) / 8) * 8;
  return { tableOffset, keysOffset, tokensOffset, bytes: tokensOffset + capacity.maxTokens * 8 };
}

/**
 * A scope: a JS string (main thread), or the UTF-16 code units of a plugin's string viewed in its memory
 * (worker), so that neither side copies the scope to look it up.
 */
export type Scope = string | Uint16Array;

/** The code unit at `index` of `scope`. */
function unitAt(scope: Scope, index: number): number {
  return typeof scope === "string" ? scope.charCodeAt(index) : scope[index];
}

/**
 * Token counting per scope in a `SharedArrayBuffer`; any thread holding the buffer can make a view of it.
 * Callers check scopes and ttls (see `validate.ts`) before calling.
 *
 * @example
 * ```ts
 * import { TokenTable } from "./token_table.ts";
 * const table = TokenTable.create({ maxScopes: 16, maxTokens: 64, maxScopeUnits: 256 });
 * table.take("alice", 60_000, Date.now()); // 1
 * // In a worker that received table.buffer:
 * const view = new TokenTable(table.buffer);
 * view.take("alice", 60_000, Date.now()); // 2
 * ```
 */
export class TokenTable {
  /** The shared buffer; post it to a worker and wrap it there with `new TokenTable(buffer)`. */
  readonly buffer: SharedArrayBuffer;
  readonly #header: Int32Array;
  readonly #table: Int32Array;
  readonly #keys: Uint16Array;
  readonly #tokens: Float64Array;

  /** Allocates an empty table with room for `capacity`. */
  static create(capacity: TokenTableCapacity): TokenTable {
    for (const [option, value] of Object.entries(capacity)) {
      if (!Number.isSafeInteger(value) || value < 1 || value > 2 ** 28) {
        throw new RangeError(
          `memory token store: ${option} must be a whole number from 1 to 2^28, got ${value}`,
        );
      }
    }
    // At most half the slots hold scopes, so probe sequences stay short.
    const slots = nextPowerOfTwo(capacity.maxScopes * 2);
    const buffer = new SharedArrayBuffer(layout(capacity, slots).bytes);
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    header[SLOTS] = slots;
    header[MAX_SCOPES] = capacity.maxScopes;
    header[MAX_TOKENS] = capacity.maxTokens;
    header[MAX_KEY_UNITS] = capacity.maxScopeUnits;
    return new TokenTable(buffer);
  }

  /** Wraps a buffer made by {@linkcode TokenTable.create} (possibly in another thread). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#header = new Int32Array(buffer, 0, HEADER_WORDS);
    const slots = this.#header[SLOTS];
    const { tableOffset, keysOffset, tokensOffset } = layout(this.capacity, slots);
    this.#table = new Int32Array(buffer, tableOffset, slots * ENTRY_WORDS);
    this.#keys = new Uint16Array(buffer, keysOffset, this.#header[MAX_KEY_UNITS]);
    this.#tokens = new Float64Array(buffer, tokensOffset, this.#header[MAX_TOKENS]);
  }

  /** The capacities the table was created with. */
  get capacity(): TokenTableCapacity {
    const header = this.#header;
    return {
      maxScopes: header[MAX_SCOPES],
      maxTokens: header[MAX_TOKENS],
      maxScopeUnits: header[MAX_KEY_UNITS],
    };
  }

  /** Whether {@linkcode TokenTable.close} was called (by any thread). */
  get closed(): boolean {
    return Atomics.load(this.#header, CLOSED) !== 0;
  }

  /**
   * Adds a token to `scope` expiring at `now + ttlMs` and returns the scope's live tokens, the new one
   * included. A token is live while `now < expiry`.
   */
  take(scope: Scope, ttlMs: number, now: number): number {
    const hash = hashOf(scope);
    this.#lock();
    try {
      // A second attempt follows a rebuild, which moves every entry.
      for (let attempt = 0;; attempt++) {
        const count = this.#tryTake(scope, hash, now + ttlMs, now, attempt > 0);
        if (count > 0) return count;
        this.#rebuild(now, this.#find(scope, hash));
      }
    } finally {
      this.#unlock();
    }
  }

  /** Removes every token of `scope`. */
  release(scope: Scope): void {
    const hash = hashOf(scope);
    this.#lock();
    try {
      const slot = this.#find(scope, hash);
      if (slot < 0) return;
      this.#table[slot + STATE] = DELETED;
      this.#header[SCOPES]--;
    } finally {
      this.#unlock();
    }
  }

  /** The live tokens of `scope` at `now`, without adding one. */
  count(scope: Scope, now: number): number {
    const hash = hashOf(scope);
    this.#lock();
    try {
      const slot = this.#find(scope, hash);
      return slot < 0 ? 0 : this.#dropExpired(slot, now);
    } finally {
      this.#unlock();
    }
  }

  /**
   * Marks the table closed for every thread: later calls throw, so its tokens are gone for good (the memory
   * itself goes with the last reference to the buffer; zeroing it here would only cost time).
   */
  close(): void {
    this.#acquire();
    Atomics.store(this.#header, CLOSED, 1);
    this.#unlock();
  }

  /**
   * One attempt at {@linkcode take}: returns 0 when the table needs a rebuild first, or, after a rebuild
   * (`rebuilt`), throws when the live data leaves no room.
   */
  #tryTake(scope: Scope, hash: number, expiry: number, now: number, rebuilt: boolean): number {
    const table = this.#table;
    let slot = this.#find(scope, hash);
    if (slot < 0) {
      slot = this.#insert(scope, hash, rebuilt);
      if (slot < 0) return 0;
    }
    const length = this.#dropExpired(slot, now);
    let head = table[slot + HEAD];
    if (head + length === table[slot + BLOCK_CAPACITY]) {
      if (head > 0) {
        // Room freed by expired tokens at the front: slide the live ones down.
        const start = table[slot + BLOCK_OFFSET];
        this.#tokens.copyWithin(start, start + head, start + head + length);
        head = table[slot + HEAD] = 0;
      } else if (!this.#grow(slot, length, rebuilt)) {
        return 0;
      }
    }
    const start = table[slot + BLOCK_OFFSET] + head;
    insertSorted(this.#tokens, start, length, expiry);
    table[slot + LENGTH] = length + 1;
    return length + 1;
  }

  /** Moves a full block of `length` tokens to a block twice as big at the arena's end. */
  #grow(slot: number, length: number, rebuilt: boolean): boolean {
    const table = this.#table;
    const header = this.#header;
    const capacity = Math.max(MIN_BLOCK, length * 2);
    const offset = header[TOKEN_USED];
    if (offset + capacity > header[MAX_TOKENS]) {
      if (!rebuilt) return false;
      // After a rebuild the arena holds exactly the live tokens: grow by what is left, if any.
      if (offset + length + 1 > header[MAX_TOKENS]) {
        throw new TokenTableFullError("maxTokens", header[MAX_TOKENS]);
      }
    }
    const newCapacity = Math.min(capacity, header[MAX_TOKENS] - offset);
    const start = table[slot + BLOCK_OFFSET] + table[slot + HEAD];
    this.#tokens.copyWithin(offset, start, start + length);
    table[slot + BLOCK_OFFSET] = offset;
    table[slot + BLOCK_CAPACITY] = newCapacity;
    table[slot + HEAD] = 0;
    header[TOKEN_USED] = offset + newCapacity;
    return true;
  }

  /** Adds `scope` with an empty block; -1 when there is no room before a rebuild; throws after one. */
  #insert(scope: Scope, hash: number, rebuilt: boolean): number {
    const header = this.#header;
    const full = (option: keyof TokenTableCapacity, value: number) => {
      if (rebuilt) throw new TokenTableFullError(option, value);
      return -1;
    };
    if (header[SCOPES] >= header[MAX_SCOPES]) return full("maxScopes", header[MAX_SCOPES]);
    if (header[KEY_USED] + scope.length > header[MAX_KEY_UNITS]) {
      return full("maxScopeUnits", header[MAX_KEY_UNITS]);
    }
    // Before a rebuild, keep a whole block's room; after one, any room will do.
    const room = header[MAX_TOKENS] - header[TOKEN_USED];
    if (room < (rebuilt ? 1 : MIN_BLOCK)) return full("maxTokens", header[MAX_TOKENS]);
    // Deleted slots lengthen probes: rebuild once they and the scopes fill three quarters of the table.
    if (!rebuilt && header[USED_SLOTS] >= header[SLOTS] * 0.75) return -1;
    return this.#place(scope, hash, Math.min(MIN_BLOCK, room));
  }

  /** Writes a new entry for `scope` with a block of `blockCapacity` tokens; returns its slot. */
  #place(scope: Scope, hash: number, blockCapacity: number): number {
    const table = this.#table;
    const header = this.#header;
    const mask = header[SLOTS] - 1;
    let index = hash & mask;
    // Reuse the first deleted slot on the way: the scope is known to be absent.
    while (table[index * ENTRY_WORDS + STATE] === OCCUPIED) index = (index + 1) & mask;
    const slot = index * ENTRY_WORDS;
    if (table[slot + STATE] === EMPTY) header[USED_SLOTS]++;
    const keyOffset = header[KEY_USED];
    for (let i = 0; i < scope.length; i++) this.#keys[keyOffset + i] = unitAt(scope, i);
    header[KEY_USED] = keyOffset + scope.length;
    table[slot + STATE] = OCCUPIED;
    table[slot + HASH] = hash;
    table[slot + KEY_OFFSET] = keyOffset;
    table[slot + KEY_LENGTH] = scope.length;
    table[slot + BLOCK_OFFSET] = header[TOKEN_USED];
    table[slot + BLOCK_CAPACITY] = blockCapacity;
    table[slot + HEAD] = 0;
    table[slot + LENGTH] = 0;
    header[TOKEN_USED] += blockCapacity;
    header[SCOPES]++;
    return slot;
  }

  /** The slot (word index) holding `scope`, or -1. */
  #find(scope: Scope, hash: number): number {
    const table = this.#table;
    const keys = this.#keys;
    const mask = this.#header[SLOTS] - 1;
    for (let index = hash & mask;; index = (index + 1) & mask) {
      const slot = index * ENTRY_WORDS;
      const state = table[slot + STATE];
      if (state === EMPTY) return -1;
      if (state !== OCCUPIED || table[slot + HASH] !== hash || table[slot + KEY_LENGTH] !== scope.length) {
        continue;
      }
      const offset = table[slot + KEY_OFFSET];
      let i = 0;
      while (i < scope.length && keys[offset + i] === unitAt(scope, i)) i++;
      if (i === scope.length) return slot;
    }
  }

  /** Drops the scope's expired tokens (a prefix); returns how many are left. */
  #dropExpired(slot: number, now: number): number {
    const table = this.#table;
    const tokens = this.#tokens;
    const start = table[slot + BLOCK_OFFSET];
    let head = table[slot + HEAD];
    let length = table[slot + LENGTH];
    if (length === 0 || tokens[start + head] > now) return length;
    const end = head + length;
    const firstLive = upperBound(tokens, start + head, start + end, now) - start;
    length = end - firstLive;
    head = length === 0 ? 0 : firstLive;
    table[slot + HEAD] = head;
    table[slot + LENGTH] = length;
    return length;
  }

  /**
   * Rewrites the table and both arenas with only the live data: expired tokens, scopes left without tokens,
   * deleted slots and abandoned blocks disappear. Runs under the lock, rarely (when something is full).
   * The scope being taken (at `takingSlot`, or -1) goes last, with room for its new token.
   */
  #rebuild(now: number, takingSlot: number): void {
    const table = this.#table;
    const live: { hash: number; scope: Scope; tokens: Float64Array }[] = [];
    let taking: (typeof live)[number] | undefined;
    let liveTokens = 0;
    for (let slot = 0; slot < table.length; slot += ENTRY_WORDS) {
      if (table[slot + STATE] !== OCCUPIED) continue;
      const length = this.#dropExpired(slot, now);
      if (length === 0) continue;
      const keyOffset = table[slot + KEY_OFFSET];
      const start = table[slot + BLOCK_OFFSET] + table[slot + HEAD];
      const entry = {
        hash: table[slot + HASH],
        scope: this.#keys.slice(keyOffset, keyOffset + table[slot + KEY_LENGTH]),
        tokens: this.#tokens.slice(start, start + length),
      };
      if (slot === takingSlot) taking = entry;
      else live.push(entry);
      liveTokens += length;
    }
    if (taking !== undefined) live.push(taking);
    this.#clear();
    // Blocks get room to double (keeping a block free for a new scope) when that fits, else just their
    // tokens, so that what is left goes to the scope being taken or a new one.
    const roomy = liveTokens * 2 + (live.length + 1) * MIN_BLOCK <= this.#header[MAX_TOKENS];
    for (const entry of live) {
      const { hash, scope, tokens } = entry;
      const blockCapacity = roomy
        ? Math.max(MIN_BLOCK, tokens.length * 2)
        : entry === taking
        ? Math.min(tokens.length + 1, this.#header[MAX_TOKENS] - this.#header[TOKEN_USED])
        : tokens.length;
      const slot = this.#place(scope, hash, blockCapacity);
      this.#tokens.set(tokens, table[slot + BLOCK_OFFSET]);
      table[slot + LENGTH] = tokens.length;
    }
  }

  #clear(): void {
    const header = this.#header;
    this.#table.fill(0);
    header[SCOPES] = 0;
    header[USED_SLOTS] = 0;
    header[KEY_USED] = 0;
    header[TOKEN_USED] = 0;
  }

  #lock(): void {
    this.#acquire();
    if (Atomics.load(this.#header, CLOSED) !== 0) {
      this.#unlock();
      throw new Error("memory token store: used after close()");
    }
  }

  #acquire(): void {
    const header = this.#header;
    if (Atomics.compareExchange(header, LOCK, UNLOCKED, LOCKED) === UNLOCKED) return;
    for (let spin = 0; spin < SPINS; spin++) {
      if (
        Atomics.load(header, LOCK) === UNLOCKED &&
        Atomics.compareExchange(header, LOCK, UNLOCKED, LOCKED) === UNLOCKED
      ) {
        return;
      }
    }
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    while (Atomics.exchange(header, LOCK, CONTENDED) !== UNLOCKED) {
      if (Date.now() > deadline) {
        throw new Error(
          `memory token store: its lock was held for over ${LOCK_TIMEOUT_MS} ms (a worker terminated while updating it?)`,
        );
      }
      Atomics.wait(header, LOCK, CONTENDED, LOCK_TIMEOUT_MS);
    }
  }

  #unlock(): void {
    if (Atomics.exchange(this.#header, LOCK, UNLOCKED) === CONTENDED) Atomics.notify(this.#header, LOCK, 1);
  }
}

/** FNV-1a over the code units. */
function hashOf(scope: Scope): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < scope.length; i++) hash = Math.imul(hash ^ unitAt(scope, i), 0x01000193);
  return hash | 0;
}

/** The index of the first element in `[low, high)` of an ascending array that is greater than `value`. */
function upperBound(sorted: Float64Array, low: number, high: number, value: number): number {
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Inserts `expiry` into the ascending `length` values at `start` (the block has room for one more). */
function insertSorted(tokens: Float64Array, start: number, length: number, expiry: number): void {
  const end = start + length;
  // With one ttl per scope (the usual case) the new expiry is the largest: append without searching.
  if (length === 0 || tokens[end - 1] <= expiry) {
    tokens[end] = expiry;
    return;
  }
  const at = upperBound(tokens, start, end, expiry);
  tokens.copyWithin(at + 1, at, end);
  tokens[at] = expiry;
}
