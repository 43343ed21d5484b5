import type { GlyphRegistry, Metrics, ModuleStore } from "@wasm-relay/core";
import { createMemoryGlyphRegistry, createMemoryModuleStore } from "@wasm-relay/core";
import type { Redis } from "ioredis";
import {
  createMemoryFunctionSettingsStore,
  type FunctionSettingsStore,
} from "../functions/function-settings-store.js";
import { createRedisFunctionSettingsStore } from "../functions/redis-function-settings-store.js";
import { createFileGlyphRegistry } from "./file-glyph-registry.js";
import { createFilesystemModuleStore } from "./filesystem-module-store.js";
import { createGatewayClient } from "./gateway-client.js";
import {
  createLayeredModuleResolver,
  type LayeredModuleResolver,
} from "./layered-module-resolver.js";
import { createRedisGlyphRegistry } from "./redis-glyph-registry.js";
import { restoreOperatorGlyphs, seedModuleDirectory } from "./seed-module-directory.js";

/** Options of {@link createModuleResolver}: the module settings of the server's configuration. */
export interface CreateModuleResolverOptions {
  /** Directory of `*.wasm` and `glyphs.json` added at start-up (`RELAY_MODULE_DIR`). */
  moduleDirectory: string;
  /** Filesystem module store (`RELAY_MODULE_STORE_DIR`); unset: memory. */
  storeDirectory?: string | undefined;
  /** Glyph registry file (`RELAY_GLYPH_REGISTRY_FILE`); unset: Redis when given, else memory. */
  registryFile?: string | undefined;
  /** Redis for the glyph registry, when the server has one. */
  redis?: Redis | undefined;
  /** Prefix of Redis keys (`REDIS_KEY_PREFIX`). */
  redisKeyPrefix?: string | undefined;
  /** Trustless gateways (`RELAY_IPFS_GATEWAYS`). */
  gateways: readonly string[];
  /** Per-fetch time bound (`RELAY_GATEWAY_TIMEOUT`). @unit milliseconds */
  gatewayTimeoutMs: number;
  /** Largest module (`RELAY_MAX_MODULE_BYTES`). @unit bytes */
  maxModuleBytes: number;
  /** In-memory cache budget (`RELAY_MODULE_CACHE_BYTES`). @unit bytes */
  cacheBytes: number;
  /**
   * Most `name@tag` entries of the memory function settings store, used without Redis
   * (`RELAY_FUNCTION_SETTINGS_MAX`). @default 100000
   */
  functionSettingsMax?: number | undefined;
  /** Given store, instead of the configured one. */
  store?: ModuleStore | undefined;
  /** Given registry, instead of the configured one. */
  registry?: GlyphRegistry | undefined;
  metrics?: Metrics | undefined;
  /** Receives start-up warnings. */
  log: (message: string) => void;
}

/** The server's module resolver, with the names its module directory reserves. */
export interface ServerModuleResolver extends LayeredModuleResolver {
  /** The module directory's glyph names: only the operator may publish them. */
  readonly reservedGlyphNames: ReadonlySet<string>;
  /** Owners' per-tag settings of the function endpoints (`/fn/…`): Redis when given, else memory. */
  readonly functionSettings: FunctionSettingsStore;
}

/**
 * Builds the server's module resolver: store (filesystem or memory), glyph registry (file,
 * Redis or memory), gateways, and the module directory added to them. The directory's glyph
 * names are the operator's: established at start-up, and again each time the Redis registry
 * reconnects (a restarted Redis holds nothing), overwriting any other user's claim.
 * @throws Error when a directory or the registry file cannot be read.
 */
export async function createModuleResolver(
  options: CreateModuleResolverOptions,
): Promise<ServerModuleResolver> {
  const store =
    options.store ??
    (options.storeDirectory
      ? await createFilesystemModuleStore({ directory: options.storeDirectory })
      : createMemoryModuleStore());
  const registry =
    options.registry ??
    (options.registryFile
      ? await createFileGlyphRegistry(options.registryFile)
      : options.redis
        ? createRedisGlyphRegistry({ redis: options.redis, keyPrefix: options.redisKeyPrefix })
        : createMemoryGlyphRegistry());
  const resolver = createLayeredModuleResolver({
    store,
    registry,
    cacheBytes: options.cacheBytes,
    metrics: options.metrics,
    gateways: createGatewayClient({
      gateways: options.gateways,
      timeoutMs: options.gatewayTimeoutMs,
      maxModuleBytes: options.maxModuleBytes,
      metrics: options.metrics,
    }),
  });
  const seeded = await seedModuleDirectory(resolver, options.moduleDirectory, options.log);
  const redis = options.redis;
  if (redis && !options.registry && !options.registryFile && seeded.glyphs.length > 0) {
    // "ready" follows every (re)connection; the first one may come after start-up's seeding.
    redis.on("ready", () => {
      void restoreOperatorGlyphs(registry, seeded.glyphs, options.moduleDirectory, options.log);
    });
  }
  const functionSettings = options.redis
    ? createRedisFunctionSettingsStore({ redis: options.redis, keyPrefix: options.redisKeyPrefix })
    : createMemoryFunctionSettingsStore(options.functionSettingsMax);
  return Object.assign(resolver, { reservedGlyphNames: seeded.reservedNames, functionSettings });
}
