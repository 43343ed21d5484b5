import type { FunctionSettings } from "./function-settings.js";

/**
 * Where the function endpoint settings of glyph tags are kept (`name@tag` → settings). Writes
 * come from the glyph's owner through `PUT /glyphs/{name}/{tag}`; reads from every `/fn/…` call.
 */
export interface FunctionSettingsStore {
  /** @returns the settings of `name@tag`, or `undefined` when none were published. */
  get(name: string, tag: string): Promise<FunctionSettings | undefined>;
  /** Replaces the settings of `name@tag`; `undefined` removes them. */
  set(name: string, tag: string, settings: FunctionSettings | undefined): Promise<void>;
  /** @returns every tag of `name` that has settings. */
  list(name: string): Promise<Record<string, FunctionSettings>>;
}

/**
 * Keeps settings in this process (the default without Redis), bounded by `maxEntries`: past it,
 * a new `name@tag` is refused with an Error rather than evicting another owner's settings.
 * @param maxEntries most `name@tag` entries. @default 100000
 */
export function createMemoryFunctionSettingsStore(maxEntries = 100_000): FunctionSettingsStore {
  const entries = new Map<string, Map<string, FunctionSettings>>();
  let size = 0;
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
      if (!had && size >= maxEntries) {
        throw new Error(`the function settings store is full (${maxEntries} tags)`);
      }
      tags.set(tag, settings);
      entries.set(name, tags);
      if (!had) size += 1;
    },
    async list(name) {
      return Object.fromEntries(entries.get(name) ?? []);
    },
  };
}
