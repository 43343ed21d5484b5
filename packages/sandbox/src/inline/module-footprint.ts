import { ByteReader } from "../binary/byte-reader.js";
import { readLimits, readValueType } from "../binary/module-info.js";
import { readSections, SectionId } from "../binary/sections.js";

/** What instantiating a module allocates before any of its code runs. */
export interface ModuleFootprint {
  /** Initial pages of the memories the module defines. @unit pages (64 KiB) */
  memoryPages: number;
  /** Initial elements of the tables the module defines. @unit elements */
  tableElements: number;
}

/**
 * Reads the initial sizes of a module's own memories and tables (imported ones are not counted:
 * the sandbox links no memory or table imports). Answers `undefined` for a module it cannot read
 * this way (such as a table with an initializer expression), which is then never run inline.
 */
export function readModuleFootprint(bytes: Uint8Array): ModuleFootprint | undefined {
  try {
    const footprint: ModuleFootprint = { memoryPages: 0, tableElements: 0 };
    for (const section of readSections(bytes)) {
      if (section.id !== SectionId.table && section.id !== SectionId.memory) continue;
      const reader = new ByteReader(bytes, section.start, section.end);
      const count = reader.u32();
      for (let index = 0; index < count; index++) {
        if (section.id === SectionId.memory) {
          footprint.memoryPages += readLimits(reader).minimum;
        } else {
          readValueType(reader);
          footprint.tableElements += readLimits(reader).minimum;
        }
      }
      if (!reader.done) return undefined;
    }
    return footprint;
  } catch {
    return undefined;
  }
}
