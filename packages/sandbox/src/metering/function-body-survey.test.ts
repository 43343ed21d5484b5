import { describe, expect, it } from "vitest";
import { wat } from "../../test/wat.js";
import { ByteReader } from "../binary/byte-reader.js";
import { readSections, SectionId } from "../binary/sections.js";
import { CostModel } from "./cost-model.js";
import { type FunctionStatistics, surveyFunctionBody } from "./function-body-survey.js";

/** Surveys every function body of a module (each with `parameters` parameters). */
function survey(
  text: string,
  callSiteCost: (index: number) => number | undefined = () => undefined,
): FunctionStatistics[] {
  const bytes = wat(text);
  const code = readSections(bytes).find((section) => section.id === SectionId.code);
  if (!code) throw new Error("no code section");
  const reader = new ByteReader(bytes, code.start, code.end);
  const count = reader.u32();
  const results: FunctionStatistics[] = [];
  for (let index = 0; index < count; index++) {
    const size = reader.u32();
    const start = reader.position;
    reader.skip(size);
    results.push(surveyFunctionBody(bytes, start, start + size, 1, { callSiteCost }));
  }
  return results;
}

describe("surveyFunctionBody", () => {
  it("finds a leaf and sums its costs (structure is free, division costs more)", () => {
    const [statistics] = survey(`(module (func (param i32) (result i32)
      (block (result i32) (if (result i32) (local.get 0)
        (then (i32.div_u (local.get 0) (i32.const 3))) (else (i32.const 1))))))`);
    // local.get, if, local.get, i32.const, i32.div_u, i32.const
    expect(statistics).toEqual({
      leaf: true,
      staticCost: 5 * CostModel.instruction + CostModel.division,
      referencedFunctions: [],
      gasByValue: true,
      calledFunctions: [],
    });
  });

  it("a loop, a call or memory.grow is not a leaf; a call adds the callee's call-site cost", () => {
    const [looping, calling, growing] = survey(
      `(module (memory 1)
        (func (param i32) (loop (br_if 0 (local.get 0))))
        (func (param i32) (call 0 (local.get 0)))
        (func (param i32) (drop (memory.grow (local.get 0)))))`,
      (index) => (index === 0 ? 40 : undefined),
    );
    expect(looping?.leaf).toBe(false);
    expect(calling).toEqual({
      leaf: false,
      staticCost: CostModel.instruction + CostModel.call + 40,
      referencedFunctions: [],
      gasByValue: true,
      calledFunctions: [0],
    });
    expect(growing?.leaf).toBe(false);
  });

  it("a tail call or a br_table to the function's label keeps the counter out of parameters", () => {
    const [tail, table, inner, branching] = survey(`(module
      (func (param i32) (return_call 0 (local.get 0)))
      (func (param i32) (block (br_table 0 1 (local.get 0))))
      (func (param i32) (block (block (br_table 0 1 (local.get 0)))))
      (func (param i32) (result i32) (br_if 0 (i32.const 1) (local.get 0)) (drop) (i32.const 2)))`);
    expect(tail?.gasByValue).toBe(false);
    expect(table?.gasByValue).toBe(false);
    expect(inner?.gasByValue).toBe(true);
    expect(branching?.gasByValue).toBe(true);
  });

  it("lists the functions named by ref.func; data.drop and table.size keep a leaf", () => {
    const [referencing, dropping] = survey(`(module (table 1 funcref) (memory 1)
      (data "x") (elem declare func 0)
      (func (param i32) (drop (ref.func 0)))
      (func (param i32) (data.drop 0) (drop (table.size 0))))`);
    expect(referencing).toMatchObject({ leaf: false, referencedFunctions: [0] });
    expect(dropping).toMatchObject({ leaf: true, staticCost: 3 * CostModel.instruction });
  });
});
