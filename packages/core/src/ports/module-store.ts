/** A module held by a {@link ModuleStore}. */
export interface StoredModule {
  /** CIDv1 (raw codec, sha2-256, base32) of the bytes: the store's key. */
  cid: string;
  /** Length of the bytes. @unit bytes */
  size: number;
}

/** What {@link ModuleStore.put} did. */
export interface ModuleStorePutResult extends StoredModule {
  /** `false` when the same bytes were already stored (nothing was written). */
  created: boolean;
}

/**
 * Content-addressed storage of module bytes. Keys are computed by the store from the bytes
 * (CIDv1 raw, sha2-256), so a caller cannot store bytes under a wrong key.
 *
 * Aliases are other CIDs of the same bytes (the CIDv0 of their UnixFS DAG, a dag-pb CIDv1);
 * the store records them as given: only add an alias after verifying it.
 */
export interface ModuleStore {
  /**
   * Stores bytes under their CIDv1 (raw). Storing the same bytes again writes nothing.
   * @throws Error on an I/O failure; a failed write leaves nothing behind.
   */
  put(bytes: Uint8Array): Promise<ModuleStorePutResult>;
  /** @returns the bytes stored under a CIDv1 (raw), or `undefined` when there are none. */
  get(cid: string): Promise<Uint8Array | undefined>;
  /** @returns whether bytes are stored under a CIDv1 (raw). */
  has(cid: string): Promise<boolean>;
  /**
   * Records that `alias` (another, verified CID of the same bytes) names the module `cid`.
   * @throws Error when `cid` is not stored.
   */
  addAlias(alias: string, cid: string): Promise<void>;
  /** @returns the CIDv1 (raw) an alias names, or `undefined`. */
  resolveAlias(alias: string): Promise<string | undefined>;
}
