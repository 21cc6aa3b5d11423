/** Lossless JSON parsing: integers beyond 2^53 keep every digit, wherever they sit in the line. */
import assert from "node:assert/strict";
import { isRawNumber, jsonEqual, parseJsonLossless, rawNumber } from "../lib/teleport_json/json.ts";

Deno.test("integers of every length, at every offset, parse exactly", () => {
  for (let digits = 1; digits <= 22; digits++) {
    for (let padding = 0; padding < 40; padding += 3) {
      const literal = "9".repeat(digits - 1) + String(digits % 10);
      const line = `{"pad":"${"x".repeat(padding)}","digits":"${"1".repeat(padding % 20)}","n":${literal}}`;
      const value = parseJsonLossless(line) as Record<string, unknown>;
      const n = value.n;
      if (isRawNumber(n)) assert.equal(n.rawJSON, literal);
      else assert.equal(String(n), literal, `${digits} digits after ${padding} characters`);
      assert.equal(JSON.stringify(value), line);
    }
  }
});

Deno.test("a 16-digit run inside a string does not change the parsed value", () => {
  const line = `{"id":"1234567890123456789","n":5,"f":1.5}`;
  assert.deepEqual(parseJsonLossless(line), { id: "1234567890123456789", n: 5, f: 1.5 });
});

Deno.test("jsonEqual compares raw and plain numbers by value and ignores key order", () => {
  assert.ok(
    jsonEqual({ a: 1, b: [rawNumber("18446744073709551615")] }, {
      b: [rawNumber("18446744073709551615")],
      a: 1,
    }),
  );
  assert.ok(jsonEqual(rawNumber("42"), 42));
  assert.ok(!jsonEqual(rawNumber("18446744073709551615"), rawNumber("18446744073709551614")));
  assert.ok(!jsonEqual({ a: null }, {}));
  assert.ok(!jsonEqual([1, 2], [2, 1]));
});
