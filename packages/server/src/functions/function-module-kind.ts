import type { ModuleResolver } from "@wasm-relay/core";
import { describeModuleInterface } from "@wasm-relay/sandbox";
import { LRUCache } from "lru-cache";

/** How a function endpoint calls a module: exported numeric functions, or a WASI command as CGI. */
export type FunctionModuleKind = "numeric" | "cgi";

/**
 * Tells the kind of the module a reference resolves to (a WASI command is served as CGI, any
 * other module as numeric functions), remembering it per CID (the bytes of a CID never change).
 * @param cacheEntries most CIDs remembered. @default 10000
 * @returns `undefined` when the reference does not resolve or the bytes cannot be read: the
 *   pipeline then answers it (404, 422, 503) as it does for the execute route.
 */
export function createFunctionModuleKinds(
  resolver: ModuleResolver,
  cacheEntries = 10_000,
): (reference: string, signal?: AbortSignal) => Promise<FunctionModuleKind | undefined> {
  const kinds = new LRUCache<string, FunctionModuleKind>({ max: cacheEntries });
  return async (reference, signal) => {
    let module: Awaited<ReturnType<ModuleResolver["resolve"]>>;
    try {
      module = await resolver.resolve(reference, { signal });
    } catch {
      return undefined;
    }
    let kind = kinds.get(module.cid);
    if (kind === undefined) {
      try {
        kind = describeModuleInterface(module.bytes).kind === "wasi" ? "cgi" : "numeric";
      } catch {
        return undefined;
      }
      kinds.set(module.cid, kind);
    }
    return kind;
  };
}
