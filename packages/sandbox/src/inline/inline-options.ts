/**
 * When the sandbox executor may run a task on the calling thread instead of a worker. A task
 * runs inline only when its module is already compiled (by a worker, sent over), small, links
 * nothing but WASI, and allocates little; it runs with at most {@link InlineOptions.gasSlice} gas,
 * so its work is bounded by the slice (plus `MAX_GAS_OVERRUN`) times the worst time per gas.
 * A run that needs more than the slice, or that the thread itself ends (stack overflow, failed
 * allocation), is discarded and run again in a worker: runs are deterministic, so the result
 * and gas are those of the worker run.
 */
export interface InlineOptions {
  /**
   * Most gas an inline run may spend; 0 turns inline runs off. At the measured worst case of
   * about 0.9 ns per gas (`benchmarks/gas-cost`), the default bounds an inline run to about
   * 0.5 ms of the calling thread (typical code: 0.07–0.21 ns per gas, 20–100 µs).
   * @unit gas @default 500000
   */
  gasSlice?: number;
  /**
   * Largest module (its bytes as given) run inline. It also bounds compilation on the calling
   * thread: the worker compiles the module, but V8 compiles each function lazily at its first
   * call, so functions the worker's run did not reach are compiled (Liftoff) at their first
   * inline call — measured at about 0.3 ms per KiB when nothing was compiled before (sql.js,
   * eager Liftoff, one thread, load average 21 on 2 cores), so at most about 5 ms once per
   * module at the default. @unit bytes @default 16384
   */
  maxModuleBytes?: number;
  /**
   * Most memory a module may declare initially to run inline (growth is bounded by the slice:
   * `memory.grow` costs 8,192 gas per page, so at most gasSlice / 8192 pages more).
   * @unit bytes @default 1048576
   */
  maxMemoryBytes?: number;
  /**
   * Most table elements a module may declare initially to run inline (`table.grow` costs 128
   * gas per element, so at most gasSlice / 128 more). @unit elements @default 65536
   */
  maxTableElements?: number;
  /** Whether modules importing WASI (in-memory: stdin, stdout, stderr, clocks, random) may run inline. @default true */
  wasi?: boolean;
  /**
   * Runs of a module that go to a worker after one of its inline runs was discarded (the slice
   * was too small), so that a heavy module costs the calling thread at most one slice per this
   * many runs. @default 64
   */
  cooldownRuns?: number;
  /** Budget of the calling thread's cache of compiled modules (four times their bytes). @unit bytes @default 16777216 */
  cacheBytes?: number;
}

/** {@link InlineOptions} with every default filled in and checked. */
export type InlineSettings = Required<InlineOptions>;

const DEFAULTS: InlineSettings = {
  gasSlice: 500_000,
  maxModuleBytes: 16 * 1024,
  maxMemoryBytes: 1024 * 1024,
  maxTableElements: 65_536,
  wasi: true,
  cooldownRuns: 64,
  cacheBytes: 16 * 1024 * 1024,
};

/**
 * Fills in the defaults of the inline options and checks them; `false` turns inline runs off.
 * @throws RangeError when a number is not a non-negative safe integer
 */
export function inlineSettings(options: InlineOptions | false | undefined): InlineSettings {
  if (options === false) return { ...DEFAULTS, gasSlice: 0 };
  const settings = { ...DEFAULTS, ...options };
  for (const name of [
    "gasSlice",
    "maxModuleBytes",
    "maxMemoryBytes",
    "maxTableElements",
    "cooldownRuns",
    "cacheBytes",
  ] as const) {
    const value = settings[name];
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`inline.${name} must be a non-negative integer, got ${value}`);
  }
  return settings;
}
