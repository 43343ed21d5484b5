import { ByteReader } from "../binary/byte-reader.js";
import { ByteWriter } from "../binary/byte-writer.js";
import { type Limits, readLimits, readValueType } from "../binary/module-info.js";
import { readSections, SectionId } from "../binary/sections.js";
import { MemoryLimitError } from "./memory-limit-error.js";
import { TableLimitError } from "./table-limit-error.js";

/**
 * Bytes one table element counts against `max_memory`. Measured on Node 20 (V8 11.3): an
 * `externref` element takes 8 bytes of V8 heap, a `funcref` element 16 bytes of heap plus 12
 * bytes of dispatch table (28 bytes of RSS); while `table.grow` copies a table the old and new
 * copies coexist, up to 55 bytes of RSS per element. 64 covers the worst of these.
 * @unit bytes
 */
export const TABLE_ELEMENT_BYTES = 64;

/** Options of {@link limitMemory} beyond the memory cap. */
export interface LimitMemoryOptions {
  /**
   * Most elements all tables together (imported and defined) may ever hold: the sum of their
   * initial sizes must fit (else {@link TableLimitError}), and their maxima are lowered so that
   * the sum of maxima fits, so `table.grow` beyond returns -1. Unset: tables are copied as is.
   * @unit elements
   */
  maxTableElements?: number;
}

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

/**
 * Shares a budget of table elements among tables: every table keeps its initial size, and the
 * spare elements are split evenly (a table that wants less than its share leaves the rest to
 * the others), so the sum of the returned maxima is at most `maxElements`.
 * @param tables every table's limits, imported ones first, in index order
 * @param maxElements the budget @unit elements
 * @returns the limits to declare, in the same order
 * @throws {@link TableLimitError} when the initial sizes alone exceed the budget.
 */
export function capTables(tables: Limits[], maxElements: number): Limits[] {
  const initial = tables.reduce((sum, table) => sum + table.minimum, 0);
  if (initial > maxElements) throw new TableLimitError(initial, maxElements, TABLE_ELEMENT_BYTES);
  const wanted = tables.map((table) =>
    table.maximum === undefined ? Number.POSITIVE_INFINITY : table.maximum - table.minimum,
  );
  const order = tables
    .map((_, index) => index)
    .sort((left, right) => wanted[left]! - wanted[right]!);
  const capped = tables.slice();
  let spare = maxElements - initial;
  let left = tables.length;
  for (const index of order) {
    const growth = Math.max(0, Math.min(wanted[index]!, Math.floor(spare / left)));
    spare -= growth;
    left--;
    const table = tables[index]!;
    capped[index] = { ...table, maximum: table.minimum + growth };
  }
  return capped;
}

/** How {@link copyImports} rewrites the limits of imported memories and tables. */
interface ImportLimitRewrites {
  memory(limits: Limits): Limits;
  table(limits: Limits): Limits;
}

function copyImports(
  bytes: Uint8Array,
  reader: ByteReader,
  out: ByteWriter,
  rewrite: ImportLimitRewrites,
): number {
  const count = reader.u32();
  for (let index = 0; index < count; index++) {
    const start = reader.position;
    reader.name();
    reader.name();
    const kind = reader.u8();
    if (kind === 1) {
      readValueType(reader);
      out.bytes(bytes.subarray(start, reader.position));
      writeLimits(out, rewrite.table(readLimits(reader)));
      continue;
    }
    if (kind === 2) {
      out.bytes(bytes.subarray(start, reader.position));
      writeLimits(out, rewrite.memory(readLimits(reader)));
      continue;
    }
    if (kind === 0) reader.u32();
    else if (kind === 3) {
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

/** Copies an import section, capping imported memories, and returns the number of imports. */
export function copyImportsCappingMemory(
  bytes: Uint8Array,
  reader: ByteReader,
  out: ByteWriter,
  maxPages: number | undefined,
): number {
  return copyImports(bytes, reader, out, {
    memory: (limits) => capMemory(limits, maxPages),
    table: (limits) => limits,
  });
}

/** The limits of every table of a module, imported ones first, in index order. */
function readTableLimits(bytes: Uint8Array): Limits[] {
  const tables: Limits[] = [];
  for (const section of readSections(bytes)) {
    const reader = new ByteReader(bytes, section.start, section.end);
    if (section.id === SectionId.import) {
      const count = reader.u32();
      for (let index = 0; index < count; index++) {
        reader.name();
        reader.name();
        const kind = reader.u8();
        if (kind === 0) reader.u32();
        else if (kind === 1) {
          readValueType(reader);
          tables.push(readLimits(reader));
        } else if (kind === 2) readLimits(reader);
        else if (kind === 3) {
          readValueType(reader);
          reader.u8();
        } else {
          reader.u8();
          reader.u32();
        }
      }
    } else if (section.id === SectionId.table) {
      const count = reader.u32();
      for (let index = 0; index < count; index++) {
        readValueType(reader);
        tables.push(readLimits(reader));
      }
    }
  }
  return tables;
}

/**
 * Caps every memory of a module (defined or imported) at `maxMemoryPages`, so `memory.grow`
 * beyond it returns -1, and, with `options.maxTableElements`, every table (defined or imported)
 * so that all tables together never hold more elements than that (see `capTables`);
 * everything else is copied as is. Lets one metered module serve several limits. Pure, like
 * {@link meter}.
 * @throws {@link MemoryLimitError} when a memory's initial size is above the limit.
 * @throws {@link TableLimitError} when the tables' initial sizes add up to more than the budget.
 * @throws {@link InvalidModuleError} when the module cannot be parsed.
 */
export function limitMemory(
  bytes: Uint8Array,
  maxMemoryPages: number,
  options: LimitMemoryOptions = {},
): Uint8Array<ArrayBuffer> {
  const { maxTableElements } = options;
  const tables =
    maxTableElements === undefined ? [] : capTables(readTableLimits(bytes), maxTableElements);
  let nextTable = 0;
  const capTable = (limits: Limits): Limits =>
    maxTableElements === undefined ? limits : tables[nextTable++]!;
  const output = new ByteWriter(bytes.length + 32);
  output.bytes(bytes.subarray(0, 8));
  for (const section of readSections(bytes)) {
    const reader = new ByteReader(bytes, section.start, section.end);
    const rewritten =
      section.id === SectionId.import ||
      section.id === SectionId.memory ||
      (section.id === SectionId.table && maxTableElements !== undefined);
    if (!rewritten) {
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
      count = copyImports(bytes, reader, rest, {
        memory: (limits) => capMemory(limits, maxMemoryPages),
        table: capTable,
      });
    } else if (section.id === SectionId.memory) {
      count = reader.u32();
      for (let index = 0; index < count; index++) {
        writeLimits(rest, capMemory(readLimits(reader), maxMemoryPages));
      }
    } else {
      count = reader.u32();
      for (let index = 0; index < count; index++) {
        const start = reader.position;
        readValueType(reader);
        rest.bytes(bytes.subarray(start, reader.position));
        writeLimits(rest, capTable(readLimits(reader)));
      }
    }
    body.u32(count).append(rest);
    output.u8(section.id).u32(body.length).append(body);
  }
  return output.toBytes();
}
