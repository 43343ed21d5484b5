import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callMetered, callOnce } from "../../test/run-metered.js";
import { wat } from "../../test/wat.js";

// Generated programs: i32 expression trees with arithmetic (including trapping division),
// conditionals, bounded loops, memory traffic and calls to earlier functions.
type Expression =
  | { kind: "const"; value: number }
  | { kind: "param"; index: 0 | 1 }
  | { kind: "binary"; operator: string; left: Expression; right: Expression }
  | { kind: "if"; condition: Expression; whenTrue: Expression; otherwise: Expression }
  | { kind: "loop"; trips: number; body: Expression }
  | { kind: "memory"; address: number; value: Expression }
  | { kind: "call"; target: number; first: Expression; second: Expression };

const OPERATORS = [
  "add",
  "sub",
  "mul",
  "and",
  "or",
  "xor",
  "shl",
  "shr_u",
  "rotl",
  "div_u",
  "rem_s",
  "lt_s",
  "eq",
];

const expression = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("const" as const),
      value: fc.integer({ min: -1000, max: 1000 }),
    }),
    fc.record({
      kind: fc.constant("param" as const),
      index: fc.constantFrom(0 as const, 1 as const),
    }),
    fc.record({
      kind: fc.constant("binary" as const),
      operator: fc.constantFrom(...OPERATORS),
      left: tie("expression"),
      right: tie("expression"),
    }),
    fc.record({
      kind: fc.constant("if" as const),
      condition: tie("expression"),
      whenTrue: tie("expression"),
      otherwise: tie("expression"),
    }),
    fc.record({
      kind: fc.constant("loop" as const),
      trips: fc.integer({ min: 0, max: 12 }),
      body: tie("expression"),
    }),
    fc.record({
      kind: fc.constant("memory" as const),
      address: fc.integer({ min: 0, max: 60 }),
      value: tie("expression"),
    }),
    fc.record({
      kind: fc.constant("call" as const),
      target: fc.nat(),
      first: tie("expression"),
      second: tie("expression"),
    }),
  ),
})).expression;

function toWat(functions: Expression[]): string {
  const bodies = functions.map((body, index) => {
    let locals = 0;
    const text = (node: Expression): string => {
      switch (node.kind) {
        case "const":
          return `(i32.const ${node.value})`;
        case "param":
          return `(local.get ${node.index})`;
        case "binary":
          return `(i32.${node.operator} ${text(node.left)} ${text(node.right)})`;
        case "if":
          return `(if (result i32) ${text(node.condition)} (then ${text(node.whenTrue)}) (else ${text(node.otherwise)}))`;
        case "loop": {
          const counter = 2 + locals++;
          const sum = 2 + locals++;
          return `(block (result i32)
            (local.set ${counter} (i32.const ${node.trips})) (local.set ${sum} (i32.const 0))
            (block $done (loop $next
              (br_if $done (i32.eqz (local.get ${counter})))
              (local.set ${sum} (i32.add (local.get ${sum}) ${text(node.body)}))
              (local.set ${counter} (i32.sub (local.get ${counter}) (i32.const 1)))
              (br $next)))
            (local.get ${sum}))`;
        }
        case "memory":
          return `(block (result i32) (i32.store (i32.const ${node.address * 4}) ${text(node.value)})
            (i32.add (i32.load (i32.const ${node.address * 4})) (i32.load8_u (i32.const ${node.address}))))`;
        case "call":
          // Only earlier functions: the call graph has no cycle, so every program ends.
          return index === 0
            ? `(i32.add ${text(node.first)} ${text(node.second)})`
            : `(call $f${node.target % index} ${text(node.first)} ${text(node.second)})`;
      }
    };
    const code = text(body);
    const declared = locals > 0 ? `(local ${"i32 ".repeat(locals)})` : "";
    return `(func $f${index} (param i32 i32) (result i32) ${declared} ${code})`;
  });
  return `(module (memory 1) ${bodies.join("\n")}
    (func (export "main") (param i32 i32) (result i32) (call $f${functions.length - 1} (local.get 0) (local.get 1))))`;
}

describe("meter: property", () => {
  it("metered and unmetered generated programs give the same value or the same trap", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(expression, { minLength: 1, maxLength: 3 }),
        fc.integer(),
        fc.integer(),
        async (functions, first, second) => {
          const bytes = wat(toWat(functions));
          const plain = await callOnce(bytes, "main", [first, second]);
          const metered = await callMetered(bytes, "main", [first, second]);
          expect(metered.outcome).toEqual(plain.outcome);
          expect(metered.exhausted).toBe(false);
          const again = await callMetered(bytes, "main", [first, second]);
          expect(again.gasUsed).toBe(metered.gasUsed);
          // With a budget below what the run needs, it stops out of gas instead.
          if (metered.gasUsed > 1n) {
            const short = await callMetered(bytes, "main", [first, second], metered.gasUsed - 1n);
            expect(short.exhausted).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
