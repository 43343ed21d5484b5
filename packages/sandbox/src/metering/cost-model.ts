/**
 * The gas cost model of {@link meter}. Costs are charged per metered block (straight-line code
 * between control boundaries), in advance, when the block is entered; a `block` or `if` holding
 * no call, loop or branch out of its arms is part of the block it starts in, which charges its
 * most costly arm and the code after it. Deterministic: they depend
 * only on the module's code and the values it computes, never on time or machine. Costs are set
 * from measurements (`benchmarks/gas-cost`) so that no instruction class runs much longer per
 * gas than ordinary code.
 */
export const CostModel = {
  /** Every instruction that is not structural and not named below. */
  instruction: 1,
  /** `block`, `loop`, `else`, `end`, `try`, `delegate`: free. */
  structural: 0,
  /** `call` and `return_call` (a leaf callee's own cost is added at the call site). */
  call: 1,
  /** `call_indirect` and `return_call_indirect`. */
  callIndirect: 1,
  /** `throw` and `rethrow` (with {@link CostModel.handler}: a throw and its catch take ~1 µs). */
  throw: 2_500,
  /**
   * Entering a `catch` or `catch_all` handler, charged there: it also prices exceptions thrown
   * by host functions, which cost the module only a call otherwise.
   */
  handler: 2_500,
  /** Integer `div_s`, `div_u`, `rem_s`, `rem_u` (i32 and i64): tens of cycles each. */
  division: 32,
  /** `f32.div`, `f64.div`, `f32.sqrt`, `f64.sqrt`. */
  floatDivision: 40,
  /** Bulk memory (`memory.fill`, `memory.copy`, `memory.init`): extra gas per 32 bytes moved. */
  bytesPerUnit: 32,
  /** Bulk table operations (`table.fill`, `table.copy`, `table.init`, `table.grow`): extra gas per element. */
  perElement: 128,
  /** `memory.grow`: extra gas per requested 64 KiB page (whether or not the growth succeeds). */
  perPage: 8192,
  /** `memory.atomic.wait32/64` itself (the immediate answers, timeout 0 or a value that differs). */
  atomicWait: 1000,
  /**
   * `memory.atomic.wait32/64` with a positive timeout: extra gas per nanosecond of the timeout
   * plus {@link CostModel.waitOverheadNanoseconds}, charged before waiting (woken early or not).
   */
  waitGasPerNanosecond: 6,
  /** What the system adds to every timed wait (timer slack): about 70 µs measured. */
  waitOverheadNanoseconds: 80_000,
  /** `memory.atomic.wait32/64` with a negative (infinite) or huge timeout: more than any budget. */
  infiniteWait: 2 ** 62,
} as const;

/**
 * The most gas a run can spend past an exhausted budget before it is stopped, whatever the
 * module's shape: when a check refuses (the counter below zero and no refill), the gas charged
 * past the budget is at most this much — the unchecked charges since the previous check
 * (at most `UNCHECKED_LIMIT`, work that ran) plus the refused charge (at most
 * `SEGMENT_LIMIT`, work that never runs). Only the dynamic pre-charge of a bulk operation,
 * `memory.grow` or `memory.atomic.wait`, refused before it runs, can count for more.
 */
export const MAX_GAS_OVERRUN = 10_000;

/** The most gas charged unchecked between two checks, on any path (callees' tails included). */
export const UNCHECKED_LIMIT = MAX_GAS_OVERRUN / 2;

/** The most gas one charge covers in advance (a longer block is cut into several charges). */
export const SEGMENT_LIMIT = MAX_GAS_OVERRUN / 2;

/** The most unchecked gas a metered function returns with (its caller counts it). */
export const CALLEE_TAIL = UNCHECKED_LIMIT / 2;

/** A loop- and call-free function costing more than this is metered in its own body, not at call sites. */
export const MAX_LEAF_COST = 1_000;
