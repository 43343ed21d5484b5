import {
  type GlyphRegistry,
  type Metrics,
  ModuleNotFoundError,
  type ModuleResolver,
  ModuleSourceUnavailableError,
  type ModuleStore,
  ModuleVerificationError,
  noopMetrics,
  parseModuleReference,
  type ResolvedModule,
  rawCid,
} from "@wasm-relay/core";
import { LRUCache } from "lru-cache";
import { CID } from "multiformats/cid";
import { type GatewayClient, GatewayFetchError } from "./gateway-client.js";
import { isWebAssembly } from "./is-web-assembly.js";
import { classifyModuleCid, type ModuleCid } from "./module-cid.js";
import { moduleCids } from "./unixfs-cid.js";

/** Options of {@link createLayeredModuleResolver}. */
export interface LayeredModuleResolverOptions {
  /** Where verified modules are kept (and found again after a restart, for a filesystem store). */
  store: ModuleStore;
  /** Where glyph names are looked up. */
  registry: GlyphRegistry;
  /** Untrusted gateways asked last. @default none */
  gateways?: GatewayClient | undefined;
  /**
   * Budget of the in-memory cache of module bytes (least recently used go first; a module larger
   * than the whole budget is not cached); 0 disables it. @unit bytes @default 67108864
   */
  cacheBytes?: number;
  /**
   * How long a CID no gateway could supply is answered from memory (404/422) without asking
   * the gateways again; modules added meanwhile resolve at once. @unit milliseconds @default 30000
   */
  gatewayMissTtlMs?: number;
  /** Counts `relay.modules.resolved` {layer} and `relay.modules.verification_failed` {source}. */
  metrics?: Metrics;
}

/** What {@link LayeredModuleResolver.add} stored. */
export interface AddedModule {
  /** CIDv1 (raw) of the bytes. */
  cid: string;
  /** Length of the bytes. @unit bytes */
  size: number;
  /** `false` when the store already held these bytes. */
  created: boolean;
  /** Other CIDs the module now resolves by (the CIDv0 of `ipfs add`, dag-pb CIDv1s). */
  aliases: string[];
}

/** The relay's module resolver ("FNPM"): memory → store → gateways, every layer verified. */
export interface LayeredModuleResolver extends ModuleResolver {
  /** The store behind the resolver. */
  readonly store: ModuleStore;
  /** The registry glyph names are looked up in. */
  readonly registry: GlyphRegistry;
  /**
   * Stores module bytes (the caller has validated them as WebAssembly) and records every CID
   * they are known by, so that a CIDv0, a CIDv1 and the raw CID all resolve to them.
   */
  add(bytes: Uint8Array): Promise<AddedModule>;
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

/** Most entries of each small lookup cache (DAG roots, gateway misses, last known glyphs). */
const RECENT_NAMES = 10_000;

/**
 * The in-memory cache of module bytes by raw CID, bounded by their total length: an lru-cache
 * `maxSize` (so also its largest entry); `undefined` when `budgetBytes` is 0 (no cache).
 * @param budgetBytes most bytes held. @unit bytes
 * @throws RangeError when `budgetBytes` is not a non-negative integer
 */
function createModuleBytesCache(budgetBytes: number): LRUCache<string, Uint8Array> | undefined {
  if (!Number.isSafeInteger(budgetBytes) || budgetBytes < 0) {
    throw new RangeError(
      `the module cache budget must be a non-negative integer, got ${budgetBytes}`,
    );
  }
  if (budgetBytes === 0) return undefined;
  // lru-cache sizes are positive integers; an empty array (never a module) counts as one byte.
  return new LRUCache<string, Uint8Array>({
    maxSize: budgetBytes,
    sizeCalculation: (bytes) => Math.max(1, bytes.byteLength),
  });
}

/** Key of a dag-pb root: CIDv0 and its CIDv1 form name the same DAG. */
const dagKey = (cid: CID) => cid.toV1().toString();

/**
 * Creates the layered resolver. A glyph name is looked up in the registry every time (moving a
 * tag takes effect at once); a CID is looked for in the memory cache, then the store, then the
 * gateways. Bytes from the store are hashed again before use; bytes from a gateway are verified
 * (raw block hash, or every block of a CAR) and validated as WebAssembly before they are stored.
 * Concurrent resolutions of one CID share one fetch.
 */
export function createLayeredModuleResolver(
  options: LayeredModuleResolverOptions,
): LayeredModuleResolver {
  const { store, registry, gateways } = options;
  const metrics = options.metrics ?? noopMetrics;
  const cache = createModuleBytesCache(options.cacheBytes ?? 64 * 1024 * 1024);
  const dagRoots = new LRUCache<string, string>({ max: RECENT_NAMES });
  const inFlight = new Map<string, Promise<ResolvedModule>>();
  const missTtlMs = options.gatewayMissTtlMs ?? 30_000;
  const gatewayMisses = new LRUCache<string, Error>({
    max: RECENT_NAMES,
    ttl: missTtlMs > 0 ? Math.ceil(missTtlMs) : 0,
    ttlResolution: 0,
    perf: { now: () => Date.now() },
  });
  // The last answer of the registry for each glyph, used while the registry cannot be reached
  // (e.g. Redis down): a known name keeps resolving to what it last named instead of failing.
  const lastKnownGlyphs = new LRUCache<string, string>({ max: RECENT_NAMES });
  const lookupGlyph = async (name: string, tag: string): Promise<string | undefined> => {
    const key = `${name}@${tag}`;
    try {
      const cid = await registry.lookup(name, tag);
      if (cid === undefined) lastKnownGlyphs.delete(key);
      else lastKnownGlyphs.set(key, cid);
      return cid;
    } catch (error) {
      const known = lastKnownGlyphs.get(key);
      if (known !== undefined) return known;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ModuleSourceUnavailableError(
        `glyph://${key}`,
        `the glyph registry cannot be reached (${reason}); retry shortly`,
      );
    }
  };

  async function add(bytes: Uint8Array): Promise<AddedModule> {
    const { raw, aliases } = await moduleCids(bytes);
    const put = await store.put(bytes);
    for (const alias of aliases) {
      const key = dagKey(CID.parse(alias));
      await store.addAlias(key, raw);
      dagRoots.set(key, raw);
    }
    cache?.set(raw, bytes);
    return { cid: raw, size: put.size, created: put.created, aliases };
  }

  /** Bytes of a CIDv1 (raw) from memory or the store, hashed again; `undefined` when absent. */
  async function local(raw: string): Promise<ResolvedModule | undefined> {
    const cached = cache?.get(raw);
    if (cached) {
      metrics.increment("relay.modules.resolved", { layer: "memory" });
      return { cid: raw, bytes: cached };
    }
    const stored = await store.get(raw);
    if (!stored) return undefined;
    if ((await rawCid(stored)) !== raw) {
      // A damaged file: never run it; a gateway may still supply the right bytes.
      metrics.increment("relay.modules.verification_failed", { source: "store" });
      return undefined;
    }
    cache?.set(raw, stored);
    metrics.increment("relay.modules.resolved", { layer: "store" });
    return { cid: raw, bytes: stored };
  }

  async function fromGateways(reference: string, moduleCid: ModuleCid) {
    if (!gateways?.enabled) throw new ModuleNotFoundError(reference);
    const missKey = moduleCid.cid.toV1().toString();
    const miss = gatewayMisses.get(missKey);
    if (miss) throw miss;
    try {
      return await fetchFromGateways(reference, moduleCid);
    } catch (error) {
      if (error instanceof ModuleNotFoundError || error instanceof ModuleVerificationError) {
        if (missTtlMs > 0) gatewayMisses.set(missKey, error);
      }
      throw error;
    }
  }

  async function fetchFromGateways(reference: string, moduleCid: ModuleCid) {
    let bytes: Uint8Array;
    try {
      bytes = await gateways!.fetchModule(moduleCid);
    } catch (error) {
      if (error instanceof GatewayFetchError) {
        if (error.sawUnverifiedBytes) throw new ModuleVerificationError(reference, error.message);
        throw new ModuleNotFoundError(reference);
      }
      throw error;
    }
    if (!isWebAssembly(bytes)) {
      metrics.increment("relay.modules.verification_failed", { source: "not_wasm" });
      throw new ModuleVerificationError(
        reference,
        `the bytes of ${reference} are not a valid WebAssembly module`,
      );
    }
    const added = await add(bytes);
    metrics.increment("relay.modules.resolved", { layer: "gateway" });
    return { cid: added.cid, bytes };
  }

  async function resolveCid(reference: string): Promise<ResolvedModule> {
    const moduleCid = classifyModuleCid(reference);
    if (moduleCid.kind === "raw") {
      const raw = moduleCid.cid.toV1().toString();
      return (await local(raw)) ?? (await fromGateways(reference, moduleCid));
    }
    const key = dagKey(moduleCid.cid);
    const raw = dagRoots.get(key) ?? (await store.resolveAlias(key));
    const found = raw === undefined ? undefined : await local(raw);
    if (found) {
      dagRoots.set(key, found.cid);
      return found;
    }
    return fromGateways(reference, moduleCid);
  }

  return {
    store,
    registry,
    add,
    async resolve(reference, resolveOptions = {}) {
      const parsed = parseModuleReference(reference);
      if (!parsed) throw new ModuleNotFoundError(reference);
      let cid: string;
      if (parsed.kind === "glyph") {
        const target = await lookupGlyph(parsed.name, parsed.tag);
        if (target === undefined) throw new ModuleNotFoundError(reference);
        cid = target;
      } else {
        cid = reference;
      }
      // The common case answered at once: the cache's keys are CIDv1 (raw) texts, so a hit by
      // the text itself is that module (no parse, no shared resolution, no abort listener).
      const cached = cache?.get(cid);
      if (cached) {
        if (resolveOptions.signal?.aborted) throw resolveOptions.signal.reason;
        metrics.increment("relay.modules.resolved", { layer: "memory" });
        return { cid, bytes: cached };
      }
      // One resolution per CID at a time, shared by every caller; a caller's signal ends only
      // its own wait (gateway fetches are bounded by their own time limit).
      let resolution = inFlight.get(cid);
      if (!resolution) {
        resolution = resolveCid(cid).finally(() => inFlight.delete(cid));
        inFlight.set(cid, resolution);
      }
      return untilAborted(resolution, resolveOptions.signal);
    },
  };
}
