/** One function of a bundled module that the page offers. */
export interface CatalogEntry {
  /** Exported function name (the request's `entry`). */
  name: string;
  /** What it does, in words. */
  label: string;
  /** Inputs filled in when it is picked. */
  defaultInputs: string;
}

/** A module bundled with the reference server (`examples/modules`). */
export interface CatalogModule {
  /** Module reference sent as the request's `cid`. */
  reference: string;
  title: string;
  description: string;
  entries: CatalogEntry[];
  /** Gas budget asked for (metered instructions), when the server default does not suit. */
  maxGas?: number;
}

/** The bundled modules the page offers, from `examples/modules/src`. */
export const CATALOG: readonly CatalogModule[] = [
  {
    reference: "glyph://calculator@quantum",
    title: "Calculator",
    description:
      "The calculator of the original design: adds, subtracts or multiplies two numbers.",
    entries: [
      { name: "main", label: "add: a + b", defaultInputs: "5, 3" },
      { name: "sub", label: "subtract: a − b", defaultInputs: "10, 4" },
      { name: "mul", label: "multiply: a × b (decimals)", defaultInputs: "1.5, 4" },
    ],
  },
  {
    reference: "glyph://trap@quantum",
    title: "Trap",
    description: "Crashes on purpose, to show how a failed run is reported.",
    entries: [
      { name: "divide", label: "divide: a ÷ b (traps when b is 0)", defaultInputs: "7, 0" },
      { name: "main", label: "always traps", defaultInputs: "" },
    ],
  },
  {
    reference: "glyph://spin@quantum",
    title: "Spin",
    description: "Loops forever, to show the time limit stopping it.",
    entries: [{ name: "main", label: "loop forever", defaultInputs: "" }],
    // A budget large enough that the time limit, not the gas, stops it.
    maxGas: 1_000_000_000,
  },
];
