import type { ByteReader } from "../binary/byte-reader.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";

/** Reads a memory argument (alignment, optional memory index, offset). */
export function skipMemoryArgument(reader: ByteReader): void {
  const align = reader.u32();
  if (align & 0x40) reader.u32();
  reader.u32();
}

// Empty, i32, i64, f32, f64, v128, funcref, externref.
const SINGLE_BYTE_BLOCK_TYPES = new Set([0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

/** Reads a block type: empty, one value type, or a type index (s33). */
export function skipBlockType(reader: ByteReader): void {
  const next = reader.bytes[reader.position];
  if (next !== undefined && SINGLE_BYTE_BLOCK_TYPES.has(next)) {
    reader.position++;
    return;
  }
  const index = reader.signed(33);
  if (index < 0n) throw new InvalidModuleError("unsupported block type", reader.position);
}

// SIMD sub-opcodes (0xFD prefix) that Node 20's V8 knows, grouped by their immediates.
const SIMD_UNASSIGNED = new Set([
  0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2,
  0xd3, 0xd4, 0xe2, 0xee,
]);

/**
 * Skips the immediates of a SIMD instruction (after the 0xFD prefix and its sub-opcode).
 * @throws {@link InvalidModuleError} for sub-opcodes outside the final SIMD proposal.
 */
export function skipSimdImmediates(reader: ByteReader, subOpcode: number, offset: number): void {
  if (subOpcode <= 0x0b || subOpcode === 0x5c || subOpcode === 0x5d) {
    skipMemoryArgument(reader);
  } else if (subOpcode === 0x0c || subOpcode === 0x0d) {
    reader.skip(16);
  } else if (subOpcode >= 0x15 && subOpcode <= 0x22) {
    reader.skip(1);
  } else if (subOpcode >= 0x54 && subOpcode <= 0x5b) {
    skipMemoryArgument(reader);
    reader.skip(1);
  } else if (subOpcode > 0xff || SIMD_UNASSIGNED.has(subOpcode)) {
    throw new InvalidModuleError(
      `unsupported SIMD instruction 0xfd 0x${subOpcode.toString(16)} (relaxed SIMD is not enabled in Node 20)`,
      offset,
    );
  }
}

/**
 * Skips the immediates of an atomic instruction (after the 0xFE prefix and its sub-opcode).
 * @throws {@link InvalidModuleError} for unknown sub-opcodes.
 */
export function skipAtomicImmediates(reader: ByteReader, subOpcode: number, offset: number): void {
  if (subOpcode === 0x03) {
    reader.skip(1);
  } else if (subOpcode <= 0x02 || (subOpcode >= 0x10 && subOpcode <= 0x4e)) {
    skipMemoryArgument(reader);
  } else {
    throw new InvalidModuleError(
      `unknown atomic instruction 0xfe 0x${subOpcode.toString(16)}`,
      offset,
    );
  }
}
