import type { FunctionSettings } from "./function-settings.js";

/**
 * Where the function endpoint settings of glyph tags are kept (`name@tag` → settings). Writes
 * come from the glyph's owner through `PUT /glyphs/{name}/{tag}`; reads from every `/fn/…` call.
 */
export interface FunctionSettingsStore {
  /** @returns the settings of `name@tag`, or `undefined` when none were published. */
  get(name: string, tag: string): Promise<FunctionSettings | undefined>;
  /**
   * Replaces the settings of `name@tag`; `undefined` removes them.
   * @throws FunctionSettingsStoreFullError when `name@tag` has no settings yet and the store
   * holds as many entries as it may (see {@link FunctionSettingsStore.hasRoom}).
   */
  set(name: string, tag: string, settings: FunctionSettings | undefined): Promise<void>;
  /** @returns every tag of `name` that has settings. */
  list(name: string): Promise<Record<string, FunctionSettings>>;
  /**
   * Whether settings of `name@tag` would be accepted now: `true` when `name@tag` already has
   * settings (a replacement takes no room) or the store is below its bound. Asked before a
   * publication, so that a full store refuses with nothing published; another writer may still
   * fill the store before `set`, which then throws {@link FunctionSettingsStoreFullError}.
   */
  hasRoom(name: string, tag: string): Promise<boolean>;
}

/** The bound of {@link createMemoryFunctionSettingsStore} when none is given. */
export const DEFAULT_FUNCTION_SETTINGS_MAX_ENTRIES = 100_000;

/**
 * Thrown by {@link FunctionSettingsStore.set} when a new `name@tag` would exceed the store's
 * bound (`RELAY_FUNCTION_SETTINGS_MAX` for the memory store). Nothing was written; replacing or
 * removing existing settings never throws it.
 */
export class FunctionSettingsStoreFullError extends Error {
  override readonly name = "FunctionSettingsStoreFullError";
  /**
   * @param maxEntries the store's bound, in `name@tag` entries.
   */
  constructor(readonly maxEntries: number) {
    super(`the function settings store is full (${maxEntries} tags)`);
  }
}

/**
 * Keeps settings in this process (the default without Redis), bounded by `maxEntries`: past it,
 * a new `name@tag` is refused with {@link FunctionSettingsStoreFullError} rather than evicting
 * another owner's settings. Replacing or removing existing settings is always accepted.
 * @param maxEntries most `name@tag` entries (`RELAY_FUNCTION_SETTINGS_MAX`); a positive integer.
 * @default 100000
 * @throws RangeError when `maxEntries` is not a positive integer.
 */
export function createMemoryFunctionSettingsStore(
  maxEntries = DEFAULT_FUNCTION_SETTINGS_MAX_ENTRIES,
): FunctionSettingsStore {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  const entries = new Map<string, Map<string, FunctionSettings>>();
  let size = 0;
  const has = (name: string, tag: string) => entries.get(name)?.has(tag) ?? false;
  return {
    async get(name, tag) {
      return entries.get(name)?.get(tag);
    },
    async set(name, tag, settings) {
      const tags = entries.get(name) ?? new Map<string, FunctionSettings>();
      const had = tags.has(tag);
      if (settings === undefined) {
        if (had) {
          tags.delete(tag);
          size -= 1;
        }
        if (tags.size === 0) entries.delete(name);
        return;
      }
      if (!had && size >= maxEntries) throw new FunctionSettingsStoreFullError(maxEntries);
      tags.set(tag, settings);
      entries.set(name, tags);
      if (!had) size += 1;
    },
    async list(name) {
      return Object.fromEntries(entries.get(name) ?? []);
    },
    async hasRoom(name, tag) {
      return size < maxEntries || has(name, tag);
    },
  };
}
