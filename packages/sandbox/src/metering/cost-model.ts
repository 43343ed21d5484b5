/**
 * The gas cost model of {@link meter}. Costs are charged per metered block (straight-line code
 * between control boundaries), in advance, when the block is entered. Deterministic: they depend
 * only on the module's code and the values it computes, never on time or machine.
 */
export const CostModel = {
  /** Every instruction that is not structural. */
  instruction: 1,
  /** `block`, `loop`, `else`, `end`, `try`, `catch`, `catch_all`, `delegate`: free. */
  structural: 0,
  /** Bulk memory (`memory.fill`, `memory.copy`, `memory.init`): extra gas per 64 bytes moved. */
  bytesPerUnit: 64,
  /** Bulk table operations (`table.fill`, `table.copy`, `table.init`, `table.grow`): extra gas per element. */
  perElement: 1,
  /** `memory.grow`: extra gas per requested 64 KiB page (whether or not the growth succeeds). */
  perPage: 1024,
} as const;
