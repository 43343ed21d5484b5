/** Largest amount of gas handed to a module at once. */
const MAX_CHUNK = 4 * 1024 * 1024;
/** Smallest chunk, so small budgets do not call the host too often. */
const MIN_CHUNK = 64 * 1024;

/**
 * The host side of a metered module's refill import: hands out the budget in chunks, so the
 * module calls out (and progress can be published) every few milliseconds, and records when
 * the budget is spent. Gas used = gas granted − the counter's final value.
 */
export class GasAccount {
  private granted = 0;
  private readonly chunk: number;
  /** True once the module asked for more than the budget. */
  exhausted = false;

  /**
   * @param budget The task's `max_gas`.
   * @param progress Receives the gas spent so far at every refill (read by the main thread).
   */
  constructor(
    readonly budget: number,
    private readonly progress: Float64Array,
  ) {
    this.chunk = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil(budget / 100)));
  }

  /**
   * The refill import: takes the (negative) counter and returns the new counter, granting whole
   * chunks (the last one cut at the budget) in constant time, however negative the counter (a
   * pre-charge such as an infinite `atomic.wait` asks for 2^62).
   */
  readonly refill = (counter: bigint): bigint => {
    let value = Number(counter);
    if (value < 0) {
      const remaining = this.budget - this.granted;
      if (-value > remaining) {
        this.granted = this.budget;
        this.exhausted = true;
        this.progress[0] = this.budget;
        return counter;
      }
      const grant = Math.min(remaining, Math.ceil(-value / this.chunk) * this.chunk);
      this.granted += grant;
      value += grant;
    }
    this.progress[0] = this.granted - value;
    return BigInt(value);
  };

  /**
   * Gas spent so far, from the module's counter, without deciding exhaustion (the clock of a
   * deterministic run reads it). @unit gas
   */
  spent(counter: bigint): number {
    return this.granted - Number(counter);
  }

  /**
   * Gas spent, given the counter's value after the run (exact after a trap too: the metered
   * module stores every charge through to its counter). Code after the last check may leave the
   * counter below zero at the end, by at most `MAX_GAS_OVERRUN`: a total above the budget marks
   * the run exhausted.
   */
  used(counter: bigint): number {
    if (this.exhausted) return this.budget;
    const used = this.granted - Number(counter);
    if (used <= this.budget) return used;
    this.exhausted = true;
    return this.budget;
  }
}
