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

/** Turns a module reference (CID or `glyph://name@tag`) into verified bytes. */
export interface ModuleResolver {
  /**
   * @throws {@link ModuleNotFoundError} when nothing answers to the reference.
   * @throws {@link ModuleVerificationError} when the bytes do not match it.
   */
  resolve(reference: string, options?: { signal?: AbortSignal }): Promise<ResolvedModule>;
}
