/** Verified module bytes. */
export interface ResolvedModule {
  /** CIDv1 (raw, sha2-256) of `bytes`. */
  cid: string;
  /** The module's bytes, verified against the reference. */
  bytes: Uint8Array;
}

/** Thrown when no module answers to a reference (404). */
export class ModuleNotFoundError extends Error {
  override readonly name = "ModuleNotFoundError";
  constructor(readonly reference: string) {
    super(`no module found for ${reference}`);
  }
}

/** Thrown when bytes do not match the reference, or the reference cannot be verified (422). */
export class ModuleVerificationError extends Error {
  override readonly name = "ModuleVerificationError";
  constructor(
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Thrown when a reference is well formed but uses a codec or hash function the resolver cannot
 * verify (e.g. a dag-cbor CID, a blake3 multihash); the pipeline answers 400 naming it.
 */
export class UnsupportedModuleReferenceError extends Error {
  override readonly name = "UnsupportedModuleReferenceError";
  constructor(
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns a module reference (CID or `glyph://name@tag`) into verified bytes. */
export interface ModuleResolver {
  /**
   * @throws {@link @wasm-relay/core!ModuleNotFoundError} when nothing answers to the reference.
   * @throws {@link @wasm-relay/core!ModuleVerificationError} when the bytes do not match it.
   * @throws {@link @wasm-relay/core!UnsupportedModuleReferenceError} when its codec or hash cannot be verified.
   */
  resolve(reference: string, options?: { signal?: AbortSignal }): Promise<ResolvedModule>;
}

/**
 * Thrown when the source that would answer a reference cannot be reached right now (a glyph
 * registry on a Redis that is down, every gateway failing for transport reasons). The pipeline
 * answers 503 with `Retry-After`, never 404: the module may well exist.
 */
export class ModuleSourceUnavailableError extends Error {
  override readonly name = "ModuleSourceUnavailableError";
  /** Suggested wait before retrying. @unit milliseconds */
  readonly retryAfterMs: number;
  constructor(
    readonly reference: string,
    message: string,
    retryAfterMs = 1000,
  ) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}
