import { ByteReader } from "./byte-reader.js";
import { InvalidModuleError } from "./invalid-module-error.js";

/** Ids of the WebAssembly sections. */
export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** One section of a module: its id and where its payload lies in the module bytes. */
export interface Section {
  /** Section id (see {@link SectionId}). */
  id: number;
  /** Index of the first payload byte. */
  start: number;
  /** Index past the last payload byte. */
  end: number;
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * Splits a module into its sections after checking the header.
 * @throws {@link InvalidModuleError} when the header is wrong or a section runs past the end.
 */
export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC_AND_VERSION.some((byte, index) => bytes[index] !== byte)) {
    throw new InvalidModuleError("not a WebAssembly 1.0 binary (bad magic number or version)");
  }
  const reader = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!reader.done) {
    const id = reader.u8();
    if (id > SectionId.tag)
      throw new InvalidModuleError(`unknown section id ${id}`, reader.position - 1);
    const size = reader.u32();
    const start = reader.position;
    if (start + size > bytes.length)
      throw new InvalidModuleError("section runs past the end", start);
    reader.position = start + size;
    sections.push({ id, start, end: start + size });
  }
  return sections;
}
