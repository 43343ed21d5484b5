import { parseModuleReference } from "@wasm-relay/core";
import { z } from "zod";
import { authorizationEnvironmentShape } from "../authorization/authorization-environment.js";
import { identityEnvironmentShape } from "../identity/identity-environment.js";
import { websocketEnvironmentShape } from "../websocket/websocket-environment.js";
import { integerVariable as integer } from "./integer-variable.js";

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** A comma-separated list whose every entry passes `valid`; empty entries are ignored. */
const commaList = (name: string, valid: (entry: string) => boolean, expected: string) =>
  z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    )
    .refine((entries) => entries.every(valid), {
      error: `${name} must be a comma-separated list, each entry ${expected}`,
    });

/**
 * The server's environment variables. Every variable is optional; the defaults are those of
 * `npm start` (memory stores, in-process sandbox, bundled example modules, dev identity headers).
 */
export const serverEnvironmentSchema = z.object({
  /** Port to listen on. @default 3000 */
  PORT: integer("PORT", 3000, 0).pipe(z.number().max(65535, "PORT must be at most 65535")),
  /** Interface to listen on. @default "127.0.0.1" */
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  /** `development`, `production` or `test`. @default "development" */
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Redis for shared rate limits and idempotency; unset means memory stores. */
  REDIS_URL: optionalText.pipe(
    z.url({ error: "REDIS_URL must be a URL such as redis://127.0.0.1:6379" }).optional(),
  ),
  /** Prefix of every Redis key the relay writes. @default "relay:" */
  REDIS_KEY_PREFIX: z.string().default("relay:"),
  /**
   * Longest a rate-limit or idempotency call waits on a connected Redis before the request is
   * refused with 503 and `Retry-After` (never decided from memory). @unit milliseconds @default 2000
   */
  RELAY_REDIS_TIMEOUT: integer("RELAY_REDIS_TIMEOUT", 2_000),
  /** Requests per window per user. @default 10 */
  RELAY_RATE_LIMIT: integer("RELAY_RATE_LIMIT", 10),
  /** Rate-limit window. @unit milliseconds @default 60000 */
  RELAY_RATE_WINDOW: integer("RELAY_RATE_WINDOW", 60_000),
  /** Rate-limit algorithm. @default "sliding-window" */
  RELAY_RATE_ALGORITHM: z
    .enum(["sliding-window", "fixed-window", "token-bucket"], {
      error: "RELAY_RATE_ALGORITHM must be sliding-window, fixed-window or token-bucket",
    })
    .default("sliding-window"),
  /** How long responses are replayed. @unit milliseconds @default 300000 */
  RELAY_IDEMPOTENCY_TTL: integer("RELAY_IDEMPOTENCY_TTL", 300_000),
  /**
   * Where results of deterministic runs are shared: `off`, `memory` (this relay) or `redis`
   * (every relay on `REDIS_URL`, which it requires). @default "memory"
   */
  RELAY_RESULT_CACHE: z
    .enum(["off", "memory", "redis"], {
      error: "RELAY_RESULT_CACHE must be off, memory or redis",
    })
    .default("memory"),
  /** How long a cached result answers. @unit milliseconds @default 300000 */
  RELAY_RESULT_CACHE_TTL: integer("RELAY_RESULT_CACHE_TTL", 300_000),
  /** Most bytes the memory result cache holds (least recently used go first). @unit bytes @default 67108864 */
  RELAY_RESULT_CACHE_MAX_BYTES: integer("RELAY_RESULT_CACHE_MAX_BYTES", 64 * 1024 * 1024),
  /** Directory of `*.wasm` modules and `glyphs.json`. @default the bundled example modules */
  RELAY_MODULE_DIR: optionalText,
  /** Largest request body accepted. @unit bytes @default 1048576 */
  RELAY_MAX_BODY_BYTES: integer("RELAY_MAX_BODY_BYTES", 1024 * 1024),
  /** Most requests in one `POST /intent/execute-wasm/batch` (413 beyond). @default 32 */
  RELAY_BATCH_MAX: integer("RELAY_BATCH_MAX", 32),
  /** Deepest nesting of arrays and objects in a request's `inputs` (400 beyond). @default 64 */
  RELAY_MAX_INPUT_DEPTH: integer("RELAY_MAX_INPUT_DEPTH", 64),
  /** Most values (arrays, objects, members, elements) in a request's `inputs` (400 beyond). @default 100000 */
  RELAY_MAX_INPUT_VALUES: integer("RELAY_MAX_INPUT_VALUES", 100_000),
  /** Longest a client may take to send a request's headers (Node answers 408 and closes). @unit milliseconds @default 10000 */
  RELAY_HEADERS_TIMEOUT: integer("RELAY_HEADERS_TIMEOUT", 10_000),
  /**
   * Longest a client may take to send a request body once its headers arrived: a 408 problem
   * and a closed connection after that. @unit milliseconds @default 30000
   */
  RELAY_REQUEST_TIMEOUT: integer("RELAY_REQUEST_TIMEOUT", 30_000),
  /** Default `max_memory` of a request that sets none. @unit bytes @default 16777216 */
  RELAY_DEFAULT_MAX_MEMORY: integer("RELAY_DEFAULT_MAX_MEMORY", 16 * 1024 * 1024),
  /** Default `max_gas`. @default 10000000 */
  RELAY_DEFAULT_MAX_GAS: integer("RELAY_DEFAULT_MAX_GAS", 10_000_000),
  /** Default `max_time`. @unit milliseconds @default 5000 */
  RELAY_DEFAULT_MAX_TIME: integer("RELAY_DEFAULT_MAX_TIME", 5_000),
  /** Largest `max_memory` a request may ask for. @unit bytes @default 268435456 */
  RELAY_LIMIT_MAX_MEMORY: integer("RELAY_LIMIT_MAX_MEMORY", 256 * 1024 * 1024),
  /** Largest `max_gas` a request may ask for. @default 1000000000 */
  RELAY_LIMIT_MAX_GAS: integer("RELAY_LIMIT_MAX_GAS", 1_000_000_000),
  /** Largest `max_time` a request may ask for. @unit milliseconds @default 60000 */
  RELAY_LIMIT_MAX_TIME: integer("RELAY_LIMIT_MAX_TIME", 60_000),
  /** Sandbox worker threads. @default the number of available cores */
  RELAY_WORKERS: integer("RELAY_WORKERS", 0, 0).transform((value) =>
    value === 0 ? undefined : value,
  ),
  /**
   * Where executions run: `sandbox` (this process's worker threads) or `queue` (a BullMQ queue on
   * `REDIS_URL`, run by `relay-server worker` processes). @default "sandbox"
   */
  RELAY_EXECUTOR: z
    .enum(["sandbox", "queue"], { error: "RELAY_EXECUTOR must be sandbox or queue" })
    .default("sandbox"),
  /** Most executions waiting in the shared queue; one more gets 503. 0: no limit. @default 0 */
  RELAY_QUEUE_MAX: integer("RELAY_QUEUE_MAX", 0, 0),
  /** Most executions one user may have waiting in the queue; one more gets 429. 0: no limit. @default 0 */
  RELAY_QUEUE_MAX_PER_USER: integer("RELAY_QUEUE_MAX_PER_USER", 0, 0),
  /**
   * `local`: while the queue is unavailable (Redis down, no worker online), run executions in
   * this process instead of answering 503. @default "none"
   */
  RELAY_QUEUE_FALLBACK: z
    .enum(["none", "local"], { error: "RELAY_QUEUE_FALLBACK must be none or local" })
    .default("none"),
  /**
   * Longest a job of a lost worker (killed, machine gone) waits before another worker reruns it.
   * @unit milliseconds @default 10000
   */
  RELAY_QUEUE_LOCK_TIME: integer("RELAY_QUEUE_LOCK_TIME", 10_000, 100),
  /** BullMQ queue name (relays and workers must agree). @default "executions" */
  RELAY_QUEUE_NAME: z.string().trim().min(1).default("executions"),
  /** Prefix of the queue's Redis keys. @default `<REDIS_KEY_PREFIX>queue` */
  RELAY_QUEUE_PREFIX: optionalText,
  /** Name of this instance in events and logs. @default "relay" */
  RELAY_NODE_NAME: z.string().trim().min(1).default("relay"),
  /** Execution events kept per bus topic for `Last-Event-ID` resumption. @default 10000 */
  RELAY_EVENT_RETENTION: integer("RELAY_EVENT_RETENTION", 10_000),
  /**
   * Most payload bytes the in-process bus keeps per topic (older events go first), so large
   * `inputs` cannot grow the process without bound. @unit bytes @default 67108864
   */
  RELAY_EVENT_RETENTION_BYTES: integer("RELAY_EVENT_RETENTION_BYTES", 64 * 1024 * 1024),
  /** Prefix of the Redis stream keys of the bus topics. @default `<REDIS_KEY_PREFIX>events:` */
  RELAY_EVENT_STREAM_PREFIX: optionalText,
  /** Interval of heartbeat comments on event streams. @unit milliseconds @default 15000 */
  RELAY_EVENT_HEARTBEAT: integer("RELAY_EVENT_HEARTBEAT", 15_000),
  /** Unsent bytes an event-stream client may fall behind before it is dropped. @unit bytes @default 262144 */
  RELAY_EVENT_BUFFER: integer("RELAY_EVENT_BUFFER", 256 * 1024),
  /** Identity: `RELAY_AUTH`, API keys, JWT, per-role rate limits (see identity-environment.ts). */
  ...identityEnvironmentShape,
  /** Authorization ("Antigone"): `RELAY_AUTHORIZER` and its settings (see authorization-environment.ts). */
  ...authorizationEnvironmentShape,
  /** The WebSocket endpoint: `RELAY_WS_*` (see websocket-environment.ts). */
  ...websocketEnvironmentShape,
  /**
   * How long shutdown waits for in-flight requests before it cuts them.
   * @unit milliseconds @default 30000
   */
  RELAY_SHUTDOWN_TIMEOUT: integer("RELAY_SHUTDOWN_TIMEOUT", 30_000),
  /** Directory served as static files at `/` (the web example). Unset: nothing is served. */
  RELAY_STATIC_DIR: optionalText,
  /** Largest module accepted by `POST /modules` or from a gateway. @unit bytes @default 16777216 */
  RELAY_MAX_MODULE_BYTES: integer("RELAY_MAX_MODULE_BYTES", 16 * 1024 * 1024),
  /** Directory of the content-addressed module store. Unset: modules are kept in memory. */
  RELAY_MODULE_STORE_DIR: optionalText,
  /** JSON file of the glyph:// registry. Unset: Redis when `REDIS_URL` is set, else memory. */
  RELAY_GLYPH_REGISTRY_FILE: optionalText,
  /**
   * Most `name@tag` function settings kept in memory (without `REDIS_URL`); publishing the
   * settings of one more tag is refused with 507 `function-settings-full`, and nothing is
   * published. Replacing or removing a tag's settings is always accepted. @default 100000
   */
  RELAY_FUNCTION_SETTINGS_MAX: integer("RELAY_FUNCTION_SETTINGS_MAX", 100_000),
  /** Comma-separated base URLs of trustless IPFS gateways, tried in order. @default none */
  RELAY_IPFS_GATEWAYS: commaList(
    "RELAY_IPFS_GATEWAYS",
    (entry) => /^https?:\/\/[^\s,]+$/.test(entry),
    "an http(s) URL",
  ),
  /** Longest one gateway fetch may take. @unit milliseconds @default 10000 */
  RELAY_GATEWAY_TIMEOUT: integer("RELAY_GATEWAY_TIMEOUT", 10_000),
  /** Budget of the in-memory cache of module bytes. @unit bytes @default 67108864 */
  RELAY_MODULE_CACHE_BYTES: integer("RELAY_MODULE_CACHE_BYTES", 64 * 1024 * 1024, 0),
  /** Comma-separated modules (CIDs or glyph://name@tag) resolved at start-up. @default none */
  RELAY_PRELOAD: commaList(
    "RELAY_PRELOAD",
    (entry) => parseModuleReference(entry) !== undefined,
    "a CID or glyph://name@tag",
  ),
  /** Least severe log level written (pino). @default "info" */
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent",
    })
    .default("info"),
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. Unset: open. */
  RELAY_METRICS_TOKEN: optionalText,
});

/** The validated configuration of a server. */
export type ServerConfig = z.infer<typeof serverEnvironmentSchema>;

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * Reads and validates the configuration from environment variables.
 * @throws {@link ConfigurationError} naming each bad variable.
 */
export function loadServerConfig(environment: Record<string, string | undefined>): ServerConfig {
  const known = Object.fromEntries(
    Object.keys(serverEnvironmentSchema.shape)
      .filter((name) => environment[name] !== undefined)
      .map((name) => [name, environment[name]]),
  );
  const parsed = serverEnvironmentSchema.safeParse(known);
  if (parsed.success) {
    const config = parsed.data;
    const problems: string[] = [];
    for (const field of ["MEMORY", "GAS", "TIME"] as const) {
      if (config[`RELAY_DEFAULT_MAX_${field}`] > config[`RELAY_LIMIT_MAX_${field}`]) {
        problems.push(`RELAY_DEFAULT_MAX_${field}: must not exceed RELAY_LIMIT_MAX_${field}`);
      }
    }
    if (config.RELAY_EXECUTOR === "queue" && config.REDIS_URL === undefined) {
      problems.push(
        "RELAY_EXECUTOR: queue requires REDIS_URL (the Redis the queue and its workers share), e.g. REDIS_URL=redis://127.0.0.1:6379",
      );
    }
    if (config.RELAY_RESULT_CACHE === "redis" && config.REDIS_URL === undefined) {
      problems.push("RELAY_RESULT_CACHE: redis needs REDIS_URL");
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
    return config;
  }
  throw new ConfigurationError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      return `${name}: ${issue.message} (got ${JSON.stringify(environment[name])})`;
    }),
  );
}
