import { ByteReader } from "./byte-reader.js";
import { InvalidModuleError } from "./invalid-module-error.js";
import { readSections, SectionId } from "./sections.js";

/** A WebAssembly value type by name. */
export type ValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

/** Parameters and results of a function type. */
export interface FunctionType {
  params: ValueType[];
  results: ValueType[];
}

/** Size limits of a memory or table. @unit pages (64 KiB) for memories, elements for tables */
export interface Limits {
  minimum: number;
  maximum: number | undefined;
  shared: boolean;
}

/** One import of a module. */
export interface ImportInfo {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** The function's type, for function imports. */
  type?: FunctionType;
  /** Limits, for memory imports. */
  limits?: Limits;
}

/** One export of a module. */
export interface ExportInfo {
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** Index in the export kind's index space. */
  index: number;
  /** The function's type, for function exports. */
  type?: FunctionType;
}

/** What the sandbox needs to know about a module before running it. */
export interface ModuleInfo {
  imports: ImportInfo[];
  exports: ExportInfo[];
  /** Memories the module defines itself (imported ones are in `imports`). */
  memories: Limits[];
}

const VALUE_TYPES: Record<number, ValueType> = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
  112: "funcref",
  111: "externref",
};

const EXTERNAL_KINDS = ["function", "table", "memory", "global", "tag"] as const;

/** Reads one value type. @throws {@link InvalidModuleError} for unknown types. */
export function readValueType(reader: ByteReader): ValueType {
  const code = reader.u8();
  const type = VALUE_TYPES[code];
  if (!type)
    throw new InvalidModuleError(
      `unsupported value type 0x${code.toString(16)}`,
      reader.position - 1,
    );
  return type;
}

/** Reads memory or table limits. */
export function readLimits(reader: ByteReader): Limits {
  const flags = reader.u8();
  if (flags > 3)
    throw new InvalidModuleError(
      `unsupported limits flags 0x${flags.toString(16)} (memory64 is not supported)`,
      reader.position - 1,
    );
  const minimum = reader.u32();
  const maximum = flags & 1 ? reader.u32() : undefined;
  return { minimum, maximum, shared: (flags & 2) !== 0 };
}

/** Reads the type section's function types. */
export function readTypeSection(reader: ByteReader): FunctionType[] {
  const count = reader.u32();
  const types: FunctionType[] = [];
  for (let index = 0; index < count; index++) {
    const form = reader.u8();
    if (form !== 0x60)
      throw new InvalidModuleError(
        `unsupported type form 0x${form.toString(16)}`,
        reader.position - 1,
      );
    const params = Array.from({ length: reader.u32() }, () => readValueType(reader));
    const results = Array.from({ length: reader.u32() }, () => readValueType(reader));
    types.push({ params, results });
  }
  return types;
}

function typeAt(types: FunctionType[], index: number, offset: number): FunctionType {
  const type = types[index];
  if (!type) throw new InvalidModuleError(`type index ${index} out of range`, offset);
  return type;
}

/**
 * Reads the imports, exports (with function signatures) and memories of a module.
 * @throws {@link InvalidModuleError} when the module cannot be parsed.
 */
export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  const info: ModuleInfo = { imports: [], exports: [], memories: [] };
  let types: FunctionType[] = [];
  const functionTypes: FunctionType[] = [];
  for (const section of readSections(bytes)) {
    const reader = new ByteReader(bytes, section.start, section.end);
    switch (section.id) {
      case SectionId.type:
        types = readTypeSection(reader);
        break;
      case SectionId.import: {
        const count = reader.u32();
        for (let index = 0; index < count; index++) {
          const module = reader.name();
          const name = reader.name();
          const kindCode = reader.u8();
          const kind = EXTERNAL_KINDS[kindCode];
          if (!kind)
            throw new InvalidModuleError(`unknown import kind ${kindCode}`, reader.position - 1);
          const entry: ImportInfo = { module, name, kind };
          if (kind === "function") {
            entry.type = typeAt(types, reader.u32(), reader.position);
            functionTypes.push(entry.type);
          } else if (kind === "table") {
            readValueType(reader);
            readLimits(reader);
          } else if (kind === "memory") {
            entry.limits = readLimits(reader);
          } else if (kind === "global") {
            readValueType(reader);
            reader.u8();
          } else {
            reader.u8();
            reader.u32();
          }
          info.imports.push(entry);
        }
        break;
      }
      case SectionId.function: {
        const count = reader.u32();
        for (let index = 0; index < count; index++) {
          functionTypes.push(typeAt(types, reader.u32(), reader.position));
        }
        break;
      }
      case SectionId.memory: {
        const count = reader.u32();
        for (let index = 0; index < count; index++) info.memories.push(readLimits(reader));
        break;
      }
      case SectionId.export: {
        const count = reader.u32();
        for (let index = 0; index < count; index++) {
          const name = reader.name();
          const kindCode = reader.u8();
          const kind = EXTERNAL_KINDS[kindCode];
          if (!kind)
            throw new InvalidModuleError(`unknown export kind ${kindCode}`, reader.position - 1);
          const exportIndex = reader.u32();
          const entry: ExportInfo = { name, kind, index: exportIndex };
          if (kind === "function") {
            const type = functionTypes[exportIndex];
            if (!type)
              throw new InvalidModuleError(`exported function ${exportIndex} out of range`);
            entry.type = type;
          }
          info.exports.push(entry);
        }
        break;
      }
    }
  }
  return info;
}
