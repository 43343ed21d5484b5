import { unsigned } from "./module-edits.js";
import type { SeededRandom } from "./seeded-random.js";

function section(id: number, payload: number[]): number[] {
  return [id, ...unsigned(payload.length), ...payload];
}

function vector(entries: number[][]): number[] {
  return [...unsigned(entries.length), ...entries.flat()];
}

/** A module built to stress one metering shape, and what it is. */
export interface ShapeModule {
  /** One line: the shape and its sizes. */
  description: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** Export to call (no parameters); it never returns on its own. */
  entry: string;
}

/**
 * The shape of issue 12, item 3, with random sizes (up to 4,000 calls of up to 60 additions): a never-ending loop whose body ends a block
 * and then makes `calls` calls of a small leaf function (`leafOps` additions each) in one
 * straight line, so that the metering's checks see a large amount of work at once. Binaryen's
 * fuzz modules have small functions and rarely have this shape; this generator adds it.
 */
export function randomLeafCallLoop(random: SeededRandom): ShapeModule {
  return leafCallLoop({ calls: random.between(1, 4000), leafOps: random.between(1, 60) });
}

/**
 * {@link randomLeafCallLoop} with given sizes.
 * @param sizes.calls leaf calls after the block, per loop iteration
 * @param sizes.leafOps `i32.add`s in the leaf function
 */
export function leafCallLoop({ calls, leafOps }: { calls: number; leafOps: number }): ShapeModule {
  // (func $leaf (param i32) (result i32) local.get 0 (i32.const 1 i32.add)×leafOps)
  const leafBody = [0x00, 0x20, 0x00];
  for (let index = 0; index < leafOps; index++) leafBody.push(0x41, 0x01, 0x6a);
  leafBody.push(0x0b);
  // (func $main (local i32) (loop (block local.get 0 drop) (local.get 0 call $leaf local.set 0)×calls br 0))
  const mainBody = [0x01, 0x01, 0x7f, 0x03, 0x40, 0x02, 0x40, 0x20, 0x00, 0x1a, 0x0b];
  for (let index = 0; index < calls; index++) mainBody.push(0x20, 0x00, 0x10, 0x00, 0x21, 0x00);
  mainBody.push(0x0c, 0x00, 0x0b, 0x0b);
  const name = [...new TextEncoder().encode("main")];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(
      1,
      vector([
        [0x60, 0x01, 0x7f, 0x01, 0x7f],
        [0x60, 0x00, 0x00],
      ]),
    ),
    ...section(3, vector([[0x00], [0x01]])),
    ...section(7, vector([[...unsigned(name.length), ...name, 0x00, 0x01]])),
    ...section(
      10,
      vector([
        [...unsigned(leafBody.length), ...leafBody],
        [...unsigned(mainBody.length), ...mainBody],
      ]),
    ),
  ];
  return {
    description: `leaf-call loop: ${calls} calls of a ${leafOps}-addition leaf per iteration`,
    bytes: new Uint8Array(bytes),
    entry: "main",
  };
}
