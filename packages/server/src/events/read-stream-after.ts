import type { Redis } from "ioredis";
import {
  compareRedisStreamIds,
  parseRedisStreamId,
  type RedisStreamId,
} from "./redis-stream-id.js";

/** A stream entry as ioredis returns it from `XRANGE` / `XREAD`. */
export type StreamEntry = [id: string, fields: string[]];

/** Where {@link readStreamAfter} reads. */
export interface StreamLocation {
  /** The stream's key. */
  stream: string;
  /** The key holding the id of the newest entry trimmed from it (absent: none was). */
  trimmedThrough: string;
}

/**
 * Reads every entry of a stream after `after`, oldest first, in pages of `pageSize` (`XRANGE`
 * with an exclusive start), each page read in one `MULTI` with the trim watermark so that a
 * trim between pages is noticed.
 * @param onEntry receives each entry with its parsed id.
 * @param keepReading checked before each page; `false` stops early.
 * @returns `lost`: whether entries newer than the position were trimmed before they could be
 *   read (at the start: after `after`; later: after the last entry read).
 * @throws the client's error when Redis fails; InvalidEventIdError for an entry id Redis would not issue.
 */
export async function readStreamAfter(
  redis: Pick<Redis, "multi">,
  location: StreamLocation,
  after: RedisStreamId,
  pageSize: number,
  onEntry: (entry: StreamEntry, id: RedisStreamId) => void,
  keepReading: () => boolean = () => true,
): Promise<{ lost: boolean }> {
  let lost = false;
  let cursor = after;
  while (keepReading()) {
    const replies = (await redis
      .multi()
      .xrange(location.stream, `(${cursor[0]}-${cursor[1]}`, "+", "COUNT", pageSize)
      .get(location.trimmedThrough)
      .exec()) as [[Error | null, StreamEntry[]], [Error | null, string | null]] | null;
    if (!replies) throw new Error(`reading ${location.stream} was aborted`);
    const [[rangeError, page], [trimmedError, trimmedThrough]] = replies;
    if (rangeError) throw rangeError;
    if (trimmedError) throw trimmedError;
    if (
      trimmedThrough !== null &&
      compareRedisStreamIds(cursor, parseRedisStreamId(trimmedThrough)) < 0
    ) {
      lost = true;
    }
    for (const entry of page) {
      cursor = parseRedisStreamId(entry[0]);
      onEntry(entry, cursor);
    }
    if (page.length < pageSize) break;
  }
  return { lost };
}
