import { errorMessage } from "../error_message.ts";
/**
 * JSON values as the converter sees them: what `JSON.parse` returns, plus "raw" numbers that keep integers above
 * 2^53 exactly as they were written (`JSON.rawJSON`, so `JSON.stringify` writes them back digit for digit).
 *
 * @module
 */

/** An integer literal kept as its source text because a JS number would round it. */
export interface RawJsonNumber {
  /** The literal, e.g. `"18446744073709551615"`. */
  readonly rawJSON: string;
}

/** A parsed JSON value. */
export type JsonValue = null | boolean | number | string | RawJsonNumber | JsonValue[] | JsonObject;

/** A parsed JSON object (key order is kept by JS objects for non-integer keys). */
export interface JsonObject {
  /** Any key, any JSON value. */
  [key: string]: JsonValue;
}

/** The ES2025 `JSON.rawJSON` / `JSON.isRawJSON` pair, which TypeScript's lib does not declare yet. */
const RAW = JSON as unknown as {
  rawJSON(text: string): RawJsonNumber;
  isRawJSON(value: unknown): value is RawJsonNumber;
};

/** Wraps an integer literal so that `JSON.stringify` writes it verbatim. */
export function rawNumber(literal: string): RawJsonNumber {
  return RAW.rawJSON(literal);
}

/** True when `value` came from {@linkcode rawNumber} (or a lossless parse). */
export function isRawNumber(value: unknown): value is RawJsonNumber {
  return typeof value === "object" && value !== null && RAW.isRawJSON(value);
}

/** True for a plain JSON object (not an array, not null, not a raw number). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !RAW.isRawJSON(value);
}

/**
 * Parses a line that must hold one JSON object, with `parse` (e.g. `JSON.parse` or {@linkcode parseJsonLossless});
 * returns the object, or the reason it is not one (`not JSON: ...`, `not a JSON object: array`) for logs and
 * dead letters.
 *
 * @example
 * ```ts
 * import { parseJsonObjectLine } from "./json.ts";
 * parseJsonObjectLine("[1]", JSON.parse); // "not a JSON object: array"
 * ```
 */
export function parseJsonObjectLine(line: string, parse: (text: string) => unknown): JsonObject | string {
  let value: unknown;
  try {
    value = parse(line);
  } catch (error) {
    return `not JSON: ${errorMessage(error)}`;
  }
  if (!isJsonObject(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "array" : isRawNumber(value) // a bare integer beyond 2^53, kept exact by parseJsonLossless
      ? "number"
      : typeof value;
    return `not a JSON object: ${kind}`;
  }
  return value;
}

const INTEGER_LITERAL = /^-?\d+$/;
/** Integers above 2^53 have at least 16 digits. */
const BIG_INTEGER_DIGITS = 16;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Whether `text` has a run of 16 or more digits, the only kind of line that may hold an integer beyond 2^53 and
 * so pays for the slower reviver parse. Looks at one character per 16 where it can (a regex scan cost a quarter
 * of the converter's time).
 */
function mayHoldBigInteger(text: string): boolean {
  let end = BIG_INTEGER_DIGITS - 1;
  while (end < text.length) {
    if (!isDigit(text.charCodeAt(end))) {
      end += BIG_INTEGER_DIGITS;
      continue;
    }
    let start = end;
    while (start > 0 && end - start + 1 < BIG_INTEGER_DIGITS && isDigit(text.charCodeAt(start - 1))) start--;
    if (end - start + 1 === BIG_INTEGER_DIGITS) return true;
    // A long enough run must start after the non-digit just before `start`.
    end = start + BIG_INTEGER_DIGITS - 1;
  }
  return false;
}

function keepBigIntegers(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    const source = context?.source;
    if (source !== undefined && INTEGER_LITERAL.test(source)) return RAW.rawJSON(source);
  }
  return value;
}

/**
 * Parses JSON text without rounding integers: literals outside the safe integer range become
 * {@linkcode RawJsonNumber}s. Throws `SyntaxError` like `JSON.parse`.
 *
 * @example
 * ```ts
 * import { parseJsonLossless } from "./json.ts";
 * const value = parseJsonLossless('{"cgroup_id":18446744073709551615}');
 * JSON.stringify(value); // '{"cgroup_id":18446744073709551615}'
 * ```
 */
export function parseJsonLossless(text: string): JsonValue {
  if (!mayHoldBigInteger(text)) return JSON.parse(text);
  return JSON.parse(text, keepBigIntegers as (key: string, value: unknown) => unknown);
}

/** Deep equality of two JSON values; object key order does not matter, raw numbers compare by value. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return numericText(a) !== undefined && numericText(a) === numericText(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (isRawNumber(a) || isRawNumber(b)) {
    return numericText(a) !== undefined && numericText(a) === numericText(b);
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key) || !jsonEqual(a[key], (b as JsonObject)[key])) return false;
  }
  return true;
}

/** The canonical decimal text of a number or raw number, for comparing the two forms. */
function numericText(value: JsonValue | undefined): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : undefined;
  if (isRawNumber(value)) return BigInt(value.rawJSON).toString();
  return undefined;
}
