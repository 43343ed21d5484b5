import { ByteReader } from "../binary/byte-reader.js";
import { ByteWriter } from "../binary/byte-writer.js";
import { type Limits, readLimits, readValueType } from "../binary/module-info.js";
import { readSections, SectionId } from "../binary/sections.js";
import { MemoryLimitError } from "./memory-limit-error.js";

/** Writes memory or table limits. */
export function writeLimits(writer: ByteWriter, limits: Limits): void {
  const flags = (limits.maximum !== undefined ? 1 : 0) | (limits.shared ? 2 : 0);
  writer.u8(flags).u32(limits.minimum);
  if (limits.maximum !== undefined) writer.u32(limits.maximum);
}

/**
 * Lowers a memory's maximum to `maxPages` (keeps it when already lower).
 * @throws {@link MemoryLimitError} when the memory's initial size is above `maxPages`.
 */
export function capMemory(limits: Limits, maxPages: number | undefined): Limits {
  if (maxPages === undefined) return limits;
  if (limits.minimum > maxPages) throw new MemoryLimitError(limits.minimum, maxPages);
  return { ...limits, maximum: Math.min(limits.maximum ?? maxPages, maxPages) };
}

/** Copies an import section, capping imported memories, and returns the number of imports. */
export function copyImportsCappingMemory(
  bytes: Uint8Array,
  reader: ByteReader,
  out: ByteWriter,
  maxPages: number | undefined,
): number {
  const count = reader.u32();
  for (let index = 0; index < count; index++) {
    const start = reader.position;
    reader.name();
    reader.name();
    const kind = reader.u8();
    if (kind === 2) {
      out.bytes(bytes.subarray(start, reader.position));
      writeLimits(out, capMemory(readLimits(reader), maxPages));
      continue;
    }
    if (kind === 0) reader.u32();
    else if (kind === 1) {
      readValueType(reader);
      readLimits(reader);
    } else if (kind === 3) {
      readValueType(reader);
      reader.u8();
    } else {
      reader.u8();
      reader.u32();
    }
    out.bytes(bytes.subarray(start, reader.position));
  }
  return count;
}

/**
 * Caps every memory of a module (defined or imported) at `maxMemoryPages`, so `memory.grow`
 * beyond it returns -1; everything else is copied as is. Lets one metered module serve several
 * memory limits. Pure, like {@link meter}.
 * @throws {@link MemoryLimitError} when a memory's initial size is above the limit.
 * @throws {@link InvalidModuleError} when the module cannot be parsed.
 */
export function limitMemory(bytes: Uint8Array, maxMemoryPages: number): Uint8Array<ArrayBuffer> {
  const output = new ByteWriter(bytes.length + 32);
  output.bytes(bytes.subarray(0, 8));
  for (const section of readSections(bytes)) {
    const reader = new ByteReader(bytes, section.start, section.end);
    if (section.id !== SectionId.import && section.id !== SectionId.memory) {
      output
        .u8(section.id)
        .u32(section.end - section.start)
        .bytes(bytes.subarray(section.start, section.end));
      continue;
    }
    const body = new ByteWriter(section.end - section.start + 16);
    const rest = new ByteWriter(section.end - section.start + 16);
    let count: number;
    if (section.id === SectionId.import) {
      count = copyImportsCappingMemory(bytes, reader, rest, maxMemoryPages);
    } else {
      count = reader.u32();
      for (let index = 0; index < count; index++) {
        writeLimits(rest, capMemory(readLimits(reader), maxMemoryPages));
      }
    }
    body.u32(count).append(rest);
    output.u8(section.id).u32(body.length).append(body);
  }
  return output.toBytes();
}
