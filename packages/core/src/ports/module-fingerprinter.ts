/**
 * Thrown by a {@link ModuleFingerprinter} for bytes that are not a WebAssembly module it can
 * read (bad magic number or version, a section running past the end, a malformed length).
 */
export class MalformedModuleError extends Error {
  override readonly name = "MalformedModuleError";
  /** Where in the bytes reading stopped. @unit bytes from the start */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`malformed WebAssembly module at byte ${offset}: ${message}`);
    this.offset = offset;
  }
}

/**
 * The *semantic* identity of a module: what it does, not how it was packaged. Two builds that
 * differ only in metadata (names, debug info, producers, source maps) must get the same
 * fingerprint; any change to what runs must give another. The result cache, the deterministic
 * seed and preloading key on it. An external service ("Protein Hash") may implement it.
 */
export interface ModuleFingerprinter {
  /**
   * The fingerprint of verified module bytes: a string of at most 128 characters that is the
   * same for semantically identical modules.
   * @param module the module's CID (a cache key for implementations that memoize) and bytes.
   * @throws {@link MalformedModuleError} when the bytes are not a readable module.
   */
  fingerprint(module: { cid: string; bytes: Uint8Array }): Promise<string>;
}
