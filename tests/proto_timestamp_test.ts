// RFC 3339 <-> google.protobuf.Timestamp, exact to the nanosecond, including Go's zero time.
import assert from "node:assert/strict";
import {
  formatRfc3339,
  isZeroTime,
  parseRfc3339,
  TimestampFormatError,
  timestampFromMillis,
  ZERO_TIME_SECONDS,
  zeroTime,
} from "../lib/proto/timestamp.ts";

Deno.test("Go's zero time is seconds -62135596800, not the Unix epoch", () => {
  assert.deepEqual(parseRfc3339("0001-01-01T00:00:00Z"), { seconds: -62135596800n, nanos: 0 });
  assert.equal(ZERO_TIME_SECONDS, -62135596800n);
  assert.equal(formatRfc3339(zeroTime()), "0001-01-01T00:00:00Z");
  assert.ok(isZeroTime(parseRfc3339("0001-01-01T00:00:00Z")));
  assert.ok(!isZeroTime({ seconds: 0n, nanos: 0 }));
  assert.deepEqual(parseRfc3339("1970-01-01T00:00:00Z"), { seconds: 0n, nanos: 0 });
});

Deno.test("fractions of 1 to 9 digits are exact nanoseconds", () => {
  assert.deepEqual(parseRfc3339("2024-02-23T18:56:57.648137154Z"), {
    seconds: 1708714617n,
    nanos: 648137154,
  });
  assert.deepEqual(parseRfc3339("2021-08-06T18:47:19.75Z").nanos, 750000000);
  assert.deepEqual(parseRfc3339("2021-08-06T18:47:19.000000001Z").nanos, 1);
  assert.deepEqual(parseRfc3339("2021-08-06T18:47:19.5Z").nanos, 500000000);
  assert.throws(() => parseRfc3339("2021-08-06T18:47:19.1234567890Z"), TimestampFormatError, "10 digits");
});

Deno.test("offsets are applied; lower-case t and z are accepted", () => {
  const utc = parseRfc3339("2021-12-17T14:11:33Z");
  assert.deepEqual(parseRfc3339("2021-12-17T17:11:33+03:00"), utc);
  assert.deepEqual(parseRfc3339("2021-12-17T08:41:33-05:30"), utc);
  assert.deepEqual(parseRfc3339("2021-12-17t14:11:33z"), utc);
  assert.deepEqual(parseRfc3339("2021-12-17T14:11:33+00:00"), utc);
  assert.deepEqual(
    parseRfc3339("2000-01-01T00:30:00+01:00"),
    parseRfc3339("1999-12-31T23:30:00Z"),
    "offset crosses years",
  );
});

Deno.test("matches Date for millisecond times across the calendar (seeded)", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    // Any millisecond from 0001-01-01 to 9999-12-31.
    const millis = -62135596800000 + Math.floor(random() * (253402300800000 + 62135596800000));
    const iso = new Date(millis).toISOString();
    const ts = parseRfc3339(iso);
    assert.deepEqual(ts, timestampFromMillis(millis), iso);
    assert.equal(formatRfc3339(ts), iso.replace(/\.?0+Z$/, "Z").replace(/\.Z$/, "Z"), iso);
  }
});

Deno.test("leap years and month lengths are validated", () => {
  assert.ok(parseRfc3339("2024-02-29T00:00:00Z"));
  assert.ok(parseRfc3339("2000-02-29T00:00:00Z"));
  for (
    const bad of [
      "2023-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2021-04-31T00:00:00Z",
      "2021-13-01T00:00:00Z",
    ]
  ) {
    assert.throws(() => parseRfc3339(bad), TimestampFormatError, bad);
  }
});

Deno.test("invalid text is rejected with the text quoted", () => {
  assert.throws(() => parseRfc3339("yesterday"), {
    name: "TimestampFormatError",
    message: 'invalid RFC 3339 time "yesterday"',
  });
  assert.throws(() => parseRfc3339("2021-12-17T25:00:00Z"), {
    message: 'invalid RFC 3339 time "2021-12-17T25:00:00Z": hour out of range',
  });
  for (
    const bad of [
      "2021-12-17",
      "2021-12-17 14:11:33Z",
      "2021-12-17T14:11:33",
      "2021-12-17T14:11:60Z",
      "2021-12-17T14:11:33+24:00",
      "0001-01-01T00:00:00+00:01",
      "",
    ]
  ) {
    assert.throws(() => parseRfc3339(bad), TimestampFormatError, bad);
  }
});

Deno.test("formatting trims trailing fraction zeros like Go and validates its input", () => {
  assert.equal(formatRfc3339({ seconds: 1627843639n, nanos: 750000000 }), "2021-08-01T18:47:19.75Z");
  assert.equal(formatRfc3339({ seconds: 1627843639n, nanos: 1 }), "2021-08-01T18:47:19.000000001Z");
  assert.equal(formatRfc3339({ seconds: -1, nanos: 999999999 }), "1969-12-31T23:59:59.999999999Z");
  assert.equal(formatRfc3339({ seconds: 253402300799n, nanos: 999999999 }), "9999-12-31T23:59:59.999999999Z");
  assert.throws(() => formatRfc3339({ seconds: 0n, nanos: 1e9 }), RangeError);
  assert.throws(() => formatRfc3339({ seconds: 0n, nanos: -1 }), RangeError);
  assert.throws(() => formatRfc3339({ seconds: ZERO_TIME_SECONDS - 1n, nanos: 0 }), RangeError);
});

Deno.test("timestampFromMillis floors negative times to a forward nanosecond fraction", () => {
  assert.deepEqual(timestampFromMillis(1500), { seconds: 1n, nanos: 500000000 });
  assert.deepEqual(timestampFromMillis(-1), { seconds: -1n, nanos: 999000000 });
  assert.throws(() => timestampFromMillis(NaN), RangeError);
});
