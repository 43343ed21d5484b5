import { ByteReader } from "../binary/byte-reader.js";
import { readLimits, readValueType } from "../binary/module-info.js";
import { readSections, SectionId } from "../binary/sections.js";

/** What instantiating a module allocates before any of its code runs, and what it keeps. */
export interface ModuleFootprint {
  /** Initial pages of the memories the module defines. @unit pages (64 KiB) */
  memoryPages: number;
  /** Initial elements of the tables the module defines. @unit elements */
  tableElements: number;
  /**
   * True when an instance keeps nothing from one call to the next but its gas counter: the
   * module defines no memory, no table and at most one mutable global (metering's counter),
   * imports nothing but functions, and has no start function. Such an instance may serve many
   * runs, its counter reset before each.
   */
  stateless: boolean;
}

/** Constant-expression opcodes and the bytes of their immediates (-1: one LEB128). */
const CONSTANT_OPCODES = new Map<number, number>([
  [0x41, -1], // i32.const
  [0x42, -1], // i64.const
  [0x43, 4], // f32.const
  [0x44, 8], // f64.const
  [0x23, -1], // global.get
  [0xd0, 1], // ref.null (a one-byte heap type)
  [0xd2, -1], // ref.func
  [0x6a, 0], // i32.add (extended constant expressions)
  [0x6b, 0], // i32.sub
  [0x6c, 0], // i32.mul
  [0x7c, 0], // i64.add
  [0x7d, 0], // i64.sub
  [0x7e, 0], // i64.mul
]);

/** Skips a constant expression up to its `end`. @throws on an opcode it does not know */
function skipConstantExpression(reader: ByteReader): void {
  for (;;) {
    const opcode = reader.u8();
    if (opcode === 0x0b) return;
    if (opcode === 0xfd && reader.u32() === 0x0c) {
      reader.position += 16; // v128.const
      continue;
    }
    const immediate = CONSTANT_OPCODES.get(opcode);
    if (immediate === undefined) throw new Error(`opcode 0x${opcode.toString(16)}`);
    if (immediate === -1) while (reader.u8() & 0x80);
    else reader.position += immediate;
  }
}

/**
 * Reads the initial sizes of a module's own memories and tables and whether its instances are
 * stateless (see {@link ModuleFootprint}). Answers `undefined` for a module it cannot read this
 * way (such as a table with an initializer expression), which is then never run inline.
 */
export function readModuleFootprint(bytes: Uint8Array): ModuleFootprint | undefined {
  try {
    let memories = 0;
    let tables = 0;
    let mutableGlobals = 0;
    let start = false;
    let onlyFunctionImports = true;
    const footprint = { memoryPages: 0, tableElements: 0 };
    for (const section of readSections(bytes)) {
      const reader = new ByteReader(bytes, section.start, section.end);
      if (section.id === SectionId.start) start = true;
      if (section.id === SectionId.import) {
        const count = reader.u32();
        for (let index = 0; index < count && onlyFunctionImports; index++) {
          reader.name();
          reader.name();
          if (reader.u8() !== 0) onlyFunctionImports = false;
          else reader.u32();
        }
        continue;
      }
      if (
        section.id !== SectionId.table &&
        section.id !== SectionId.memory &&
        section.id !== SectionId.global
      )
        continue;
      const count = reader.u32();
      for (let index = 0; index < count; index++) {
        if (section.id === SectionId.memory) {
          memories++;
          footprint.memoryPages += readLimits(reader).minimum;
        } else if (section.id === SectionId.table) {
          tables++;
          readValueType(reader);
          footprint.tableElements += readLimits(reader).minimum;
        } else {
          readValueType(reader);
          if (reader.u8() !== 0) mutableGlobals++;
          skipConstantExpression(reader);
        }
      }
      if (!reader.done) return undefined;
    }
    const stateless =
      memories === 0 && tables === 0 && mutableGlobals <= 1 && !start && onlyFunctionImports;
    return { ...footprint, stateless };
  } catch {
    return undefined;
  }
}
