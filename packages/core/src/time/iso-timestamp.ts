/** Largest epoch time whose ISO form has a four-digit year (9999-12-31T23:59:59.999Z). */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/** The second whose ISO prefix (`2026-12-01T14:10:00.`) is cached, and that prefix. */
let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * `new Date(epochMs).toISOString()`, the same text, built from a cached prefix of the current
 * second (a relay stamps many events per second: formatting a date costs about as much as
 * serialising the event). Times outside 1970–9999 or not whole milliseconds take the `Date` path.
 * @param epochMs milliseconds since the epoch. @unit milliseconds
 * @throws RangeError for a time a `Date` cannot hold (as `toISOString` does).
 */
export function isoTimestamp(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs > LAST_FOUR_DIGIT_YEAR_MS) {
    return new Date(epochMs).toISOString();
  }
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const milli = epochMs - second * 1000;
  return `${cachedPrefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}
