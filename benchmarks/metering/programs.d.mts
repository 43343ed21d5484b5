/** One benchmark program (numeric ABI: `main(n)`). */
export interface BenchmarkProgram {
  name: string;
  bytes: Uint8Array;
  /** Input of the benchmark run. */
  benchmarkInput: number;
  /** Smaller input for tests. */
  testInput: number;
}

/** Builds every benchmark program from source. */
export function loadPrograms(): Promise<BenchmarkProgram[]>;
