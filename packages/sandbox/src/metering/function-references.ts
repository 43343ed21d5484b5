import type { ByteReader } from "../binary/byte-reader.js";
import type { ByteWriter } from "../binary/byte-writer.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { Opcode, SimdOpcode } from "../binary/opcodes.js";

/** Copies a constant expression, renumbering `ref.func`. */
export function copyConstantExpression(
  reader: ByteReader,
  writer: ByteWriter,
  remapFunction: (index: number) => number,
): void {
  for (;;) {
    const start = reader.position;
    const opcode = reader.u8();
    switch (opcode) {
      case Opcode.end:
        writer.u8(Opcode.end);
        return;
      case Opcode.i32Const:
        reader.skipSigned(32);
        break;
      case Opcode.i64Const:
        reader.skipSigned(64);
        break;
      case Opcode.f32Const:
        reader.skip(4);
        break;
      case Opcode.f64Const:
        reader.skip(8);
        break;
      case Opcode.globalGet:
        reader.u32();
        break;
      case Opcode.refNull:
        reader.u8();
        break;
      case Opcode.refFunc:
        writer.u8(Opcode.refFunc).u32(remapFunction(reader.u32()));
        continue;
      case Opcode.simd:
        if (reader.u32() !== SimdOpcode.v128Const)
          throw new InvalidModuleError("unsupported constant expression", start);
        reader.skip(16);
        break;
      default:
        throw new InvalidModuleError(
          `unsupported instruction 0x${opcode.toString(16)} in a constant expression`,
          start,
        );
    }
    writer.bytes(reader.bytes.subarray(start, reader.position));
  }
}

/** Copies an element section, renumbering the functions it names. */
export function rewriteElementSection(
  reader: ByteReader,
  writer: ByteWriter,
  remapFunction: (index: number) => number,
): void {
  const count = reader.u32();
  writer.u32(count);
  for (let segment = 0; segment < count; segment++) {
    const flags = reader.u32();
    writer.u32(flags);
    if (flags > 7)
      throw new InvalidModuleError(`unknown element segment flags ${flags}`, reader.position);
    const passiveOrDeclarative = (flags & 1) !== 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExpressions = (flags & 4) !== 0;
    if (!passiveOrDeclarative) {
      if (explicitTable) writer.u32(reader.u32());
      copyConstantExpression(reader, writer, remapFunction);
    }
    if (passiveOrDeclarative || explicitTable) writer.u8(reader.u8()); // element kind or ref type
    const items = reader.u32();
    writer.u32(items);
    for (let item = 0; item < items; item++) {
      if (usesExpressions) copyConstantExpression(reader, writer, remapFunction);
      else writer.u32(remapFunction(reader.u32()));
    }
  }
}
