import { InvalidEventIdError } from "@wasm-relay/core";

/** A Redis stream entry id (`<milliseconds>-<sequence>`) split into its two numbers. */
export type RedisStreamId = readonly [milliseconds: number, sequence: number];

const STREAM_ID = /^(\d{1,15})-(\d{1,15})$/;

/** The id before every entry: `XRANGE key (0-0 +` reads a whole stream. */
export const STREAM_START_ID = "0-0";

/**
 * Parses a complete stream id as Redis issues it (`1718000000000-3`).
 * @throws InvalidEventIdError when `id` is not of that form.
 */
export function parseRedisStreamId(id: string): RedisStreamId {
  const match = STREAM_ID.exec(id);
  if (!match) throw new InvalidEventIdError(id, "a Redis stream id such as 1718000000000-0");
  return [Number(match[1]), Number(match[2])];
}

/** Orders two parsed stream ids: negative when `a` is older, 0 when equal, positive when newer. */
export function compareRedisStreamIds(a: RedisStreamId, b: RedisStreamId): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}
