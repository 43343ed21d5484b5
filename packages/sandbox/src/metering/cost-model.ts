/**
 * The gas cost model of {@link meter}. Costs are charged per metered block (straight-line code
 * between control boundaries), in advance, when the block is entered. Deterministic: they depend
 * only on the module's code and the values it computes, never on time or machine. Costs are set
 * from measurements (`benchmarks/gas-cost`) so that no instruction class runs much longer per
 * gas than ordinary code.
 */
export const CostModel = {
  /** Every instruction that is not structural and not named below. */
  instruction: 1,
  /** `block`, `loop`, `else`, `end`, `try`, `catch`, `catch_all`, `delegate`: free. */
  structural: 0,
  /** `call` and `return_call` (a leaf callee's own cost is added at the call site). */
  call: 1,
  /** `call_indirect` and `return_call_indirect`. */
  callIndirect: 1,
  /** `throw` and `rethrow`: unwinding through the engine costs about a microsecond. */
  throw: 2000,
  /** Bulk memory (`memory.fill`, `memory.copy`, `memory.init`): extra gas per 64 bytes moved. */
  bytesPerUnit: 64,
  /** Bulk table operations (`table.fill`, `table.copy`, `table.init`, `table.grow`): extra gas per element. */
  perElement: 1,
  /** `memory.grow`: extra gas per requested 64 KiB page (whether or not the growth succeeds). */
  perPage: 1024,
  /**
   * `memory.atomic.wait32/64`: extra gas per this many nanoseconds of its timeout operand,
   * charged before waiting (whether or not it is woken earlier).
   */
  waitNanosecondsPerGas: 1,
  /** `memory.atomic.wait32/64` with a negative (infinite) timeout: more than any budget. */
  infiniteWait: 2 ** 62,
} as const;

/**
 * The most gas a run can spend past an exhausted budget before it is stopped: whatever the
 * module's shape, the gas charged since the counter was last checked is at most this much, so
 * the work done after the budget ran out is at most this much gas.
 */
export const MAX_GAS_OVERRUN = 10_000;

/** The most unchecked gas a metered function returns with (its caller counts it). */
export const CALLEE_TAIL = MAX_GAS_OVERRUN / 2;
