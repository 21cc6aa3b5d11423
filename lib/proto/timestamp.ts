/**
 * Conversions between RFC 3339 text and `google.protobuf.Timestamp` values (`{ seconds, nanos }`), exact to
 * the nanosecond. JavaScript's `Date` keeps only milliseconds and cannot represent Teleport's zero time, so
 * the calendar arithmetic is done here on integers.
 *
 * Teleport writes unset non-nullable times as Go's zero time, `0001-01-01T00:00:00Z`, which is
 * `{ seconds: -62135596800n, nanos: 0 }` on the wire: it is not the Unix epoch.
 *
 * @module
 */

/**
 * A `google.protobuf.Timestamp`: whole seconds since 1970-01-01T00:00:00Z and a forward nanosecond fraction.
 * (A type alias, not an interface, so that it is a valid `ProtoMessage` field value.)
 */
export type Timestamp = {
  /** Seconds since the Unix epoch (negative before 1970). */
  seconds: bigint;
  /** Fraction of the second in nanoseconds, 0 to 999,999,999. */
  nanos: number;
};

/** Seconds of Go's zero time `0001-01-01T00:00:00Z`, which Teleport uses for unset non-nullable times. */
export const ZERO_TIME_SECONDS: bigint = -62135596800n;

/** The smallest seconds value a Timestamp may hold (0001-01-01T00:00:00Z). */
const MIN_SECONDS = ZERO_TIME_SECONDS;
/** The largest seconds value a Timestamp may hold (9999-12-31T23:59:59Z). */
const MAX_SECONDS = 253402300799n;
const SECONDS_PER_DAY = 86400;
const NANOS_PER_SECOND = 1_000_000_000;

/** Go's zero time as a Timestamp. */
export function zeroTime(): Timestamp {
  return { seconds: ZERO_TIME_SECONDS, nanos: 0 };
}

/** True for Go's zero time `0001-01-01T00:00:00Z`. */
export function isZeroTime(ts: Timestamp): boolean {
  return ts.seconds === ZERO_TIME_SECONDS && ts.nanos === 0;
}

/** Thrown by {@linkcode parseRfc3339} for text that is not a valid RFC 3339 date-time. */
export class TimestampFormatError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "TimestampFormatError";
  }
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 date-time with up to 9 fraction digits and a `Z` or `±HH:MM` offset.
 *
 * @throws {TimestampFormatError} `invalid RFC 3339 time "<text>"` (with the reason when a part is out of range).
 * @example
 * ```ts
 * import { parseRfc3339 } from "./timestamp.ts";
 * parseRfc3339("2021-12-17T17:11:33.5+03:00"); // { seconds: 1639750293n, nanos: 500000000 }
 * ```
 */
export function parseRfc3339(text: string): Timestamp {
  const m = RFC3339.exec(text);
  const invalid = (why?: string) =>
    new TimestampFormatError(`invalid RFC 3339 time ${JSON.stringify(text)}${why ? `: ${why}` : ""}`);
  if (!m) throw invalid();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12) throw invalid("month out of range");
  if (day < 1 || day > daysInMonth(year, month)) throw invalid("day out of range");
  if (hour > 23) throw invalid("hour out of range");
  if (minute > 59) throw invalid("minute out of range");
  if (second > 59) throw invalid("second out of range");
  const nanos = m[7] ? Number(m[7].padEnd(9, "0")) : 0;
  let offsetSeconds = 0;
  if (m[9]) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) throw invalid("offset out of range");
    offsetSeconds = (m[9] === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  const seconds = BigInt(local - offsetSeconds);
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw invalid("outside 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z");
  }
  return { seconds, nanos };
}

/**
 * Formats a Timestamp in UTC like Go's `time.RFC3339Nano`: `Z` suffix, fraction with trailing zeros removed
 * (`2024-02-23T18:56:57.648137154Z`, `2021-08-06T18:47:19.75Z`, `2020-04-07T18:45:07Z`).
 *
 * @throws {RangeError} when `nanos` is not an integer in 0..999,999,999 or the time is outside years 1..9999.
 */
export function formatRfc3339(ts: { seconds: bigint | number; nanos?: number }): string {
  const nanos = ts.nanos ?? 0;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos >= NANOS_PER_SECOND) {
    throw new RangeError(`Timestamp nanos ${nanos} is not in 0..999999999`);
  }
  const seconds = BigInt(ts.seconds);
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new RangeError(`Timestamp seconds ${seconds} is outside years 1..9999`);
  }
  const total = Number(seconds);
  const days = Math.floor(total / SECONDS_PER_DAY);
  const secondOfDay = total - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const clock = `${pad(Math.floor(secondOfDay / 3600))}:${pad(Math.floor(secondOfDay / 60) % 60)}:${
    pad(secondOfDay % 60)
  }`;
  const fraction = nanos === 0 ? "" : "." + pad(nanos, 9).replace(/0+$/, "");
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${clock}${fraction}Z`;
}

/** The Timestamp of a millisecond count since the epoch (e.g. `Date.now()`). */
export function timestampFromMillis(millis: number): Timestamp {
  if (!Number.isFinite(millis)) throw new RangeError(`not a finite millisecond count: ${millis}`);
  const whole = Math.floor(millis);
  const seconds = Math.floor(whole / 1000);
  const nanos = (whole - seconds * 1000) * 1_000_000;
  return { seconds: BigInt(seconds), nanos };
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back: the classic era-based algorithm
// (400-year cycles of 146097 days), exact for any year.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}
