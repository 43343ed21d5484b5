import type { Executor, ResolvedModule } from "@wasm-relay/core";
import type { LayeredModuleResolver } from "./layered-module-resolver.js";

/**
 * An executor that can prepare a module ahead of its first request (meter and compile it).
 * `@wasm-relay/sandbox` offers no such method yet; when an executor has one, preloading uses it.
 */
export interface WarmableExecutor extends Executor {
  /** Meters and compiles a module so that its first execution costs no more than later ones. */
  warm(module: ResolvedModule): Promise<void>;
}

/** Whether an executor offers {@link WarmableExecutor.warm}. */
export function isWarmableExecutor(executor: Executor): executor is WarmableExecutor {
  return typeof (executor as Partial<WarmableExecutor>).warm === "function";
}

/** What preloading did with one reference. */
export interface PreloadResult {
  /** The reference as configured. */
  reference: string;
  /** CIDv1 (raw) it resolved to, when it did. */
  cid?: string;
  /** Whether the executor prepared it. */
  warmed: boolean;
  /** Why it failed, when it did. */
  error?: string;
}

/**
 * Resolves each configured module (`RELAY_PRELOAD`) into the resolver's memory cache, and warms
 * it in the executor when the executor can. A failure is reported, not thrown: a missing
 * gateway must not keep the relay from starting.
 */
export async function preloadModules(
  resolver: LayeredModuleResolver,
  executor: Executor,
  references: readonly string[],
): Promise<PreloadResult[]> {
  const results: PreloadResult[] = [];
  for (const reference of references) {
    try {
      const module = await resolver.resolve(reference);
      const warmed = isWarmableExecutor(executor);
      if (warmed) await executor.warm(module);
      results.push({ reference, cid: module.cid, warmed });
    } catch (error) {
      results.push({
        reference,
        warmed: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return results;
}
