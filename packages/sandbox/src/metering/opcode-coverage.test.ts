import { describe, expect, it } from "vitest";
import { rewriteModule as meter } from "./rewrite-module.js";

// For every opcode (single byte, 0xFC, 0xFD and 0xFE prefixed), the metering rewriter must agree
// with Node's own V8: what V8 knows is metered, what it does not know is rejected as unknown.
function leb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest) byte |= 0x80;
    bytes.push(byte);
  } while (rest);
  return bytes;
}

function moduleWithBody(instruction: number[]): Uint8Array<ArrayBuffer> {
  const body = [0x00, ...instruction, 0x0b];
  const code = [0x01, body.length, ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x04, 0x01, 0x60, 0x00, 0x00],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x05, 0x03, 0x01, 0x00, 0x01],
    ...[0x0a, code.length, ...code],
  ]);
}

function v8Knows(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    new WebAssembly.Module(bytes);
    return true;
  } catch (error) {
    // Unknown, or known only behind a flag (relaxed SIMD, typed function references…).
    return !/invalid (\w+ )?opcode|enable with --experimental/i.test((error as Error).message);
  }
}

function meterKnows(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    meter(bytes);
    return true;
  } catch (error) {
    return !/unsupported instruction|unknown instruction|unsupported SIMD|unknown atomic/.test(
      (error as Error).message,
    );
  }
}

const cases: { name: string; instruction: number[] }[] = [];
for (let opcode = 0; opcode <= 0xff; opcode++) {
  if (opcode !== 0xfc && opcode !== 0xfd && opcode !== 0xfe)
    cases.push({ name: `0x${opcode.toString(16)}`, instruction: [opcode] });
}
for (const prefix of [0xfc, 0xfd, 0xfe]) {
  for (let sub = 0; sub <= 0x120; sub++) {
    cases.push({
      name: `0x${prefix.toString(16)} 0x${sub.toString(16)}`,
      instruction: [prefix, ...leb(sub)],
    });
  }
}

describe("opcode coverage", () => {
  it("knows exactly the opcodes Node 20's V8 knows", () => {
    const disagreements = cases
      .filter(({ instruction }) => {
        const bytes = moduleWithBody(instruction);
        return v8Knows(bytes) !== meterKnows(bytes);
      })
      .map(({ name }) => name);
    expect(disagreements).toEqual([]);
  });
});
