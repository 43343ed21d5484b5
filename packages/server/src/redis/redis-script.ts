import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * The part of a Redis client the script runner needs: `EVALSHA` and `EVAL`, nothing more.
 * An ioredis `Redis` (or `Cluster`) satisfies it; so does anything else that speaks these two.
 */
export type RedisScriptClient = Pick<Redis, "evalsha" | "eval">;

/** A Lua script with its SHA-1, the name under which Redis caches it. */
export interface RedisScript {
  /** Name for error messages, e.g. `sliding-window`. */
  readonly name: string;
  /** The Lua source text. */
  readonly source: string;
  /** Lowercase hex SHA-1 of `source`, as `SCRIPT LOAD` returns it. */
  readonly sha1: string;
}

/** Makes a {@link RedisScript} from its source, computing the SHA-1 Redis will use. */
export function defineRedisScript(name: string, source: string): RedisScript {
  return { name, source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** Whether a Redis error says the server does not have the script cached. */
function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

/**
 * Runs `script` with `EVALSHA` (one round trip when Redis has it cached), and with `EVAL` when
 * Redis answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`), which also caches it again.
 * @returns the script's reply as the client decodes it.
 * @throws the client's error for anything but `NOSCRIPT` (connection lost, timeout, script error).
 */
export async function runRedisScript(
  client: RedisScriptClient,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScriptError(error)) throw error;
    return await client.eval(script.source, keys.length, ...keys, ...args);
  }
}
