import { ByteReader } from "../binary/byte-reader.js";
import { ByteWriter } from "../binary/byte-writer.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { readLimits, readValueType } from "../binary/module-info.js";
import { Opcode, TypeCode } from "../binary/opcodes.js";
import { readSections, SectionId } from "../binary/sections.js";
import { CostModel } from "./cost-model.js";
import { EngineLimits, requireWithinLimit } from "./engine-limits.js";
import { type RewriteContext, rewriteFunctionBody } from "./function-body-rewriter.js";
import { copyConstantExpression, rewriteElementSection } from "./function-references.js";
import { capMemory, copyImportsCappingMemory, writeLimits } from "./limit-memory.js";
import type { MeteredModule, MeterOptions } from "./meter.js";
import { countModule, findLeafFunctions, type ModuleCounts } from "./module-survey.js";
import { remapNameSection } from "./name-section.js";

const MAX_I64 = 2n ** 63n - 1n;
/** Most bytes a by-value call adds to a body: counter argument, result and store after it. */
const BY_VALUE_CALL_BYTES = 16;
/** Functions appended to every metered module (out of gas, four dynamic charges). */
const HELPER_COUNT = 5;
/** Types appended to every metered module: (i64) -> i64, () -> (), (i32) -> i32. */
const ADDED_TYPES = 3;

// Canonical order of the known sections (custom sections keep their place after a known one).
const SECTION_ORDER: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

function chargeSuffix(gasGlobal: number, gasOut: number): Uint8Array {
  return new ByteWriter(24)
    .u8(Opcode.i64Sub)
    .u8(Opcode.globalSet)
    .u32(gasGlobal)
    .u8(Opcode.globalGet)
    .u32(gasGlobal)
    .u8(Opcode.i64Const)
    .u8(0)
    .u8(Opcode.i64LtS)
    .u8(Opcode.if)
    .u8(TypeCode.emptyBlock)
    .u8(Opcode.call)
    .u32(gasOut) // $gas_out
    .u8(Opcode.end)
    .toBytes();
}

/** Body of a helper `(param i32) (result i32)` that charges `cost(n)` and returns n. */
function dynamicChargeBody(gasGlobal: number, gasOut: number, scale: Uint8Array): Uint8Array {
  const suffix = chargeSuffix(gasGlobal, gasOut);
  return new ByteWriter(48)
    .u8(0) // no locals
    .u8(Opcode.globalGet)
    .u32(gasGlobal)
    .u8(Opcode.localGet)
    .u8(0)
    .u8(Opcode.i64ExtendI32U)
    .bytes(scale)
    .bytes(suffix)
    .u8(Opcode.localGet)
    .u8(0)
    .u8(Opcode.end)
    .toBytes();
}

/**
 * Body of the `(param i64) (result i64)` helper called before `memory.atomic.wait32/64`: charges
 * (timeout + `waitOverheadNanoseconds`) × `waitGasPerNanosecond` for a positive timeout
 * (nanoseconds), nothing for 0 (the static `atomicWait` covers it), and `infiniteWait` for a
 * negative (infinite) or huge one (read as unsigned); returns the timeout.
 */
function waitChargeBody(gasGlobal: number, gasOut: number): Uint8Array {
  const suffix = chargeSuffix(gasGlobal, gasOut);
  const infinite = BigInt(CostModel.infiniteWait);
  const perNanosecond = BigInt(CostModel.waitGasPerNanosecond);
  const overhead = BigInt(CostModel.waitOverheadNanoseconds);
  // Below this timeout the product stays below infiniteWait (no wrap-around).
  const largest = infinite / perNanosecond - overhead;
  return (
    new ByteWriter(64)
      .u8(0) // no locals
      .u8(Opcode.globalGet)
      .u32(gasGlobal)
      .bytes(new Uint8Array([Opcode.localGet, 0, Opcode.i64Const]))
      .signed(overhead)
      .bytes(new Uint8Array([Opcode.i64Add, Opcode.i64Const]))
      .signed(perNanosecond)
      .u8(Opcode.i64Mul)
      .u8(Opcode.i64Const)
      .signed(infinite)
      .bytes(new Uint8Array([Opcode.localGet, 0, Opcode.i64Const]))
      .signed(largest)
      // select: the product when small, else infinite
      .bytes(new Uint8Array([Opcode.i64LtU, Opcode.select]))
      // 0 when timeout = 0
      .bytes(
        new Uint8Array([
          Opcode.i64Const,
          0,
          Opcode.localGet,
          0,
          Opcode.i64Const,
          0,
          Opcode.i64Ne,
          Opcode.select,
        ]),
      )
      .bytes(suffix)
      .u8(Opcode.localGet)
      .u8(0)
      .u8(Opcode.end)
      .toBytes()
  );
}

/**
 * The by-value variants (see {@link rewriteFunctionBody}) of the functions in `byValue`, in index
 * order, and their types (one per distinct signature, numbered from `firstType`). None when they
 * would take the module past V8's limit of functions or types: the functions then keep the
 * counter in the global across calls.
 */
function planVariants(
  counts: ModuleCounts,
  byValue: Set<number>,
  shift: number,
  firstType: number,
): {
  variants: number[];
  variantTypes: Map<string, { index: number; bytes: Uint8Array }>;
  variantTypeOf: number[];
} {
  const variants = [...byValue].sort((left, right) => left - right);
  const variantTypes = new Map<string, { index: number; bytes: Uint8Array }>();
  const variantTypeOf: number[] = [];
  for (const index of variants) {
    const signature = counts.signatures[counts.functionTypes[index - counts.importedFunctions]!]!;
    const type = new ByteWriter(signature.params.length + signature.results.length + 8)
      .u8(TypeCode.function)
      .u32(signature.params.length + 1)
      .bytes(signature.params)
      .u8(TypeCode.i64)
      .u32(signature.results.length + 1)
      .bytes(signature.results)
      .u8(TypeCode.i64)
      .toBytes();
    const key = type.join(",");
    let entry = variantTypes.get(key);
    if (!entry) {
      entry = { index: firstType + variantTypes.size, bytes: type };
      variantTypes.set(key, entry);
    }
    variantTypeOf.push(entry.index);
  }
  const functions = counts.importedFunctions + counts.definedFunctions + shift + HELPER_COUNT;
  if (
    functions + variants.length > EngineLimits.functions ||
    firstType + variantTypes.size > EngineLimits.types
  )
    return { variants: [], variantTypes: new Map(), variantTypeOf: [] };
  return { variants, variantTypes, variantTypeOf };
}

function section(writer: ByteWriter, id: number, payload: Uint8Array): void {
  writer.u8(id).u32(payload.length).bytes(payload);
}

/**
 * The rewriting behind {@link meter}, without its validation of input and output (which
 * {@link meter} adds): instruments a WebAssembly module with deterministic gas metering. The result keeps every
 * import and export of the original and adds a mutable i64 global (exported as
 * `gasExportName`) holding the gas still available; each metered block subtracts its cost
 * inline and, below zero, asks the refill import (when given) or traps. Pure: no I/O and no
 * Node-specific API, so it runs in browsers too.
 *
 * Accepts what Node 20's V8 validates by default: MVP, sign extension, saturating float-to-int,
 * multi-value, bulk memory, reference types, SIMD, threads/atomics, tail calls and (legacy)
 * exception handling.
 * @throws {@link InvalidModuleError} for malformed modules and unknown or unsupported opcodes.
 * @throws {@link MemoryLimitError} when a memory's initial size is above `maxMemoryPages`.
 */
export function rewriteModule(bytes: Uint8Array, options: MeterOptions = {}): MeteredModule {
  const sections = readSections(bytes);
  const counts = countModule(bytes, sections);
  const gasExportName = options.gasExportName ?? "__relay_gas";
  if (counts.exportNames.has(gasExportName))
    throw new InvalidModuleError(`the module already exports "${gasExportName}"`);
  const refill = options.refillImport;
  const shift = refill ? 1 : 0;
  requireWithinLimit("exports", counts.exportNames.size, 1, "exports");
  requireWithinLimit("imports", counts.imports, shift, "imports");
  requireWithinLimit("globals", counts.importedGlobals + counts.definedGlobals, 1, "globals");
  if (refill && counts.importModules.has(refill.module))
    throw new InvalidModuleError(
      `the module imports from "${refill.module}", the module of the sandbox's metering import; no module may import it itself`,
    );
  const importedFunctions = counts.importedFunctions;
  const leafCosts = new Map<number, number>();
  const byValue = new Set<number>();
  /** Direct calls in each defined function's body. */
  const directCalls: number[] = [];
  findLeafFunctions(
    bytes,
    sections,
    counts,
    { callSiteCost: (index) => leafCosts.get(index) },
    leafCosts,
    byValue,
    directCalls,
  );
  requireWithinLimit(
    "functions",
    counts.importedFunctions + counts.definedFunctions,
    shift + HELPER_COUNT,
    "functions",
  );
  requireWithinLimit("types", counts.types, ADDED_TYPES, "types");
  const { variants, variantTypes, variantTypeOf } = planVariants(
    counts,
    byValue,
    shift,
    counts.types + ADDED_TYPES,
  );
  const remapFunction = (index: number) => (index >= importedFunctions ? index + shift : index);

  const typeRefill = counts.types;
  const typeVoid = counts.types + 1;
  const typeI32ToI32 = counts.types + 2;
  const refillFunction = importedFunctions;
  const firstHelper = importedFunctions + shift + counts.definedFunctions;
  const gasOut = firstHelper;
  const chargeBytes = firstHelper + 1;
  const chargeElements = firstHelper + 2;
  const chargePages = firstHelper + 3;
  const chargeWait = firstHelper + 4;
  const gasGlobal = counts.importedGlobals + counts.definedGlobals;
  const firstVariant = firstHelper + HELPER_COUNT;
  const variantIndex = new Map(variants.map((index, position) => [index, firstVariant + position]));

  const context: RewriteContext = {
    remapFunction,
    remapsFunctions: shift > 0,
    gasGlobal,
    gasOut,
    chargeBytes,
    chargeElements,
    chargePages,
    chargeWait,
    importedFunctions,
    callSiteCost: (index) => leafCosts.get(index),
    byValueIndex: (index) => variantIndex.get(index),
  };
  /** The same, for a body that calls no by-value variant. */
  const globalCallsContext: RewriteContext = { ...context, byValueIndex: () => undefined };

  const replaced = new Map<number, Uint8Array>();
  let sawCode = false;
  let sawFunction = false;
  for (const current of sections) {
    if (current.id === SectionId.custom) continue;
    const reader = new ByteReader(bytes, current.start, current.end);
    const out = new ByteWriter(current.end - current.start + 64);
    switch (current.id) {
      case SectionId.type: {
        const count = reader.u32();
        out
          .u32(count + ADDED_TYPES + variantTypes.size)
          .bytes(bytes.subarray(reader.position, current.end));
        break;
      }
      case SectionId.import: {
        const imports = new ByteWriter(current.end - current.start + 16);
        const count = copyImportsCappingMemory(bytes, reader, imports, options.maxMemoryPages);
        out.u32(count + shift).append(imports);
        if (refill) out.name(refill.module).name(refill.name).u8(0).u32(typeRefill);
        break;
      }
      case SectionId.function: {
        sawFunction = true;
        const count = reader.u32();
        out
          .u32(count + HELPER_COUNT + variants.length)
          .bytes(bytes.subarray(reader.position, current.end));
        out.u32(typeVoid).u32(typeI32ToI32).u32(typeI32ToI32).u32(typeI32ToI32).u32(typeRefill);
        for (const type of variantTypeOf) out.u32(type);
        break;
      }
      case SectionId.memory: {
        const count = reader.u32();
        out.u32(count);
        for (let index = 0; index < count; index++) {
          writeLimits(out, capMemory(readLimits(reader), options.maxMemoryPages));
        }
        break;
      }
      case SectionId.global: {
        const count = reader.u32();
        out.u32(count + 1);
        for (let index = 0; index < count; index++) {
          const start = reader.position;
          readValueType(reader);
          reader.u8();
          out.bytes(bytes.subarray(start, reader.position));
          copyConstantExpression(reader, out, remapFunction);
        }
        appendGasGlobal(out);
        break;
      }
      case SectionId.export: {
        const count = reader.u32();
        out.u32(count + 1);
        for (let index = 0; index < count; index++) {
          out.name(reader.name());
          const kind = reader.u8();
          const exported = reader.u32();
          out.u8(kind).u32(kind === 0 ? remapFunction(exported) : exported);
        }
        out.name(gasExportName).u8(3).u32(gasGlobal);
        break;
      }
      case SectionId.start:
        out.u32(remapFunction(reader.u32()));
        break;
      case SectionId.element:
        rewriteElementSection(reader, out, remapFunction);
        break;
      case SectionId.code: {
        sawCode = true;
        const count = reader.u32();
        if (count !== counts.definedFunctions)
          throw new InvalidModuleError("function and code section counts differ");
        out.u32(count + HELPER_COUNT + variants.length);
        const body = new ByteWriter(1024);
        const variantBodies: Uint8Array[] = [];
        for (let index = 0; index < count; index++) {
          const size = reader.u32();
          const start = reader.position;
          reader.skip(size);
          body.length = 0;
          const parameters = counts.parameterCounts[index];
          if (parameters === undefined)
            throw new InvalidModuleError("code entry without a function");
          if (leafCosts.has(importedFunctions + index)) {
            // Charged at its call sites: the body stays as it is.
            out.u32(size).bytes(bytes.subarray(start, start + size));
            continue;
          }
          const variant = variantIndex.get(importedFunctions + index);
          for (const asVariant of variant === undefined ? [false] : [true, false]) {
            body.length = 0;
            if (asVariant || variant === undefined) {
              // By-value calls take more bytes than reloading the global after each call: a
              // body that would be too large calls the functions' own indices instead.
              const mayBeTooLarge =
                size + BY_VALUE_CALL_BYTES * (directCalls[index] ?? 0) >
                EngineLimits.functionBodyBytes;
              const callsVariants = variants.length > 0 && !mayBeTooLarge;
              const write = (calling: RewriteContext) =>
                rewriteFunctionBody(
                  bytes,
                  start,
                  start + size,
                  parameters,
                  calling,
                  body,
                  asVariant,
                );
              write(callsVariants ? context : globalCallsContext);
              if (callsVariants && body.length > EngineLimits.functionBodyBytes) {
                body.length = 0;
                write(globalCallsContext);
              }
            } else writeEntryBody(body, parameters, variant);
            if (body.length > EngineLimits.functionBodyBytes)
              requireWithinLimit(
                "functionBodyBytes",
                size,
                body.length - size,
                "bytes in a function body",
              );
            if (asVariant) variantBodies.push(body.toBytes());
            else out.u32(body.length).append(body);
          }
        }
        appendHelperBodies(out);
        for (const variant of variantBodies) out.u32(variant.length).bytes(variant);
        break;
      }
      default:
        out.bytes(bytes.subarray(current.start, current.end));
    }
    replaced.set(current.start, out.toBytes());
  }

  function appendGasGlobal(out: ByteWriter): void {
    const initial = options.initialGas ?? (refill ? 0n : MAX_I64);
    // i64, mutable, initialised by i64.const <initial>
    out.u8(TypeCode.i64).u8(0x01).u8(Opcode.i64Const).signed(initial).u8(Opcode.end);
  }

  /**
   * The body of a function that has a by-value variant, for callers other than direct calls
   * (exports, tables, start): calls the variant with the global's counter and stores it back.
   */
  function writeEntryBody(out: ByteWriter, parameters: number, variant: number): void {
    out.u32(0); // no locals
    for (let parameter = 0; parameter < parameters; parameter++)
      out.u8(Opcode.localGet).u32(parameter);
    out.u8(Opcode.globalGet).u32(gasGlobal).u8(Opcode.call).u32(variant);
    out.u8(Opcode.globalSet).u32(gasGlobal).u8(Opcode.end);
  }

  function appendHelperBodies(out: ByteWriter): void {
    const gasOutBody = refill
      ? new ByteWriter(32)
          .u8(0) // no locals
          .u8(Opcode.globalGet)
          .u32(gasGlobal)
          .u8(Opcode.call)
          .u32(refillFunction)
          .u8(Opcode.globalSet)
          .u32(gasGlobal)
          .u8(Opcode.globalGet)
          .u32(gasGlobal)
          .bytes(
            new Uint8Array([
              Opcode.i64Const,
              0,
              Opcode.i64LtS,
              Opcode.if,
              TypeCode.emptyBlock,
              Opcode.unreachable,
              Opcode.end,
              Opcode.end,
            ]),
          )
          .toBytes()
      : new Uint8Array([0, Opcode.unreachable, Opcode.end]); // no locals; unreachable
    const shiftBytes = new ByteWriter(4)
      .u8(Opcode.i64Const)
      .signed(BigInt(Math.log2(CostModel.bytesPerUnit)))
      .u8(Opcode.i64ShrU)
      .toBytes();
    const multiplyElements = new ByteWriter(8)
      .u8(Opcode.i64Const)
      .signed(BigInt(CostModel.perElement))
      .u8(Opcode.i64Mul)
      .toBytes();
    const multiplyPages = new ByteWriter(4)
      .u8(Opcode.i64Const)
      .signed(BigInt(CostModel.perPage))
      .u8(Opcode.i64Mul)
      .toBytes();
    const bodies = [
      gasOutBody,
      dynamicChargeBody(gasGlobal, gasOut, shiftBytes),
      dynamicChargeBody(gasGlobal, gasOut, multiplyElements),
      dynamicChargeBody(gasGlobal, gasOut, multiplyPages),
      waitChargeBody(gasGlobal, gasOut),
    ];
    for (const body of bodies) out.u32(body.length).bytes(body);
  }

  // Sections the original lacks but the metered module needs.
  const added: { id: number; payload: Uint8Array }[] = [];
  const present = new Set(sections.map((entry) => entry.id));
  const typePayload = new ByteWriter(16);
  // ADDED_TYPES types: (i64) -> i64, () -> (), (i32) -> i32.
  const appendTypes = (writer: ByteWriter) => {
    writer
      .bytes(new Uint8Array([TypeCode.function, 1, TypeCode.i64, 1, TypeCode.i64]))
      .bytes(new Uint8Array([TypeCode.function, 0, 0]))
      .bytes(new Uint8Array([TypeCode.function, 1, TypeCode.i32, 1, TypeCode.i32]));
    for (const type of variantTypes.values()) writer.bytes(type.bytes);
    return writer;
  };
  if (!present.has(SectionId.type))
    added.push({
      id: SectionId.type,
      payload: appendTypes(typePayload.u32(ADDED_TYPES)).toBytes(),
    });
  if (refill && !present.has(SectionId.import)) {
    added.push({
      id: SectionId.import,
      payload: new ByteWriter(32)
        .u32(1)
        .name(refill.module)
        .name(refill.name)
        .u8(0)
        .u32(typeRefill)
        .toBytes(),
    });
  }
  if (!sawFunction) {
    added.push({
      id: SectionId.function,
      payload: new ByteWriter(8)
        .u32(HELPER_COUNT)
        .u32(typeVoid)
        .u32(typeI32ToI32)
        .u32(typeI32ToI32)
        .u32(typeI32ToI32)
        .u32(typeRefill)
        .toBytes(),
    });
  }
  if (!present.has(SectionId.global)) {
    const out = new ByteWriter(16).u32(1);
    appendGasGlobal(out);
    added.push({ id: SectionId.global, payload: out.toBytes() });
  }
  if (!present.has(SectionId.export)) {
    added.push({
      id: SectionId.export,
      payload: new ByteWriter(32).u32(1).name(gasExportName).u8(3).u32(gasGlobal).toBytes(),
    });
  }
  if (!sawCode) {
    const out = new ByteWriter(128).u32(HELPER_COUNT);
    appendHelperBodies(out);
    added.push({ id: SectionId.code, payload: out.toBytes() });
  }

  // Append the new types to the existing type section's payload.
  if (present.has(SectionId.type)) {
    const typeSection = sections.find((entry) => entry.id === SectionId.type)!;
    const existing = replaced.get(typeSection.start)!;
    replaced.set(
      typeSection.start,
      appendTypes(new ByteWriter(existing.length + 16).bytes(existing)).toBytes(),
    );
  }

  const output = new ByteWriter(bytes.length + bytes.length / 4 + 256);
  output.bytes(bytes.subarray(0, 8));
  const flushAddedBefore = (nextRank: number) => {
    for (const entry of added.splice(0)) {
      if (SECTION_ORDER[entry.id]! < nextRank) section(output, entry.id, entry.payload);
      else added.push(entry);
    }
  };
  for (const current of sections) {
    if (current.id === SectionId.custom) {
      const reader = new ByteReader(bytes, current.start, current.end);
      const name = reader.name();
      if (name === "name" && shift > 0) {
        const remapped = remapNameSection(
          bytes.subarray(reader.position, current.end),
          remapFunction,
        );
        if (remapped)
          section(
            output,
            0,
            new ByteWriter(remapped.length + 8).name("name").bytes(remapped).toBytes(),
          );
        continue;
      }
      section(output, 0, bytes.subarray(current.start, current.end));
      continue;
    }
    const currentRank = SECTION_ORDER[current.id]!;
    added.sort((left, right) => SECTION_ORDER[left.id]! - SECTION_ORDER[right.id]!);
    flushAddedBefore(currentRank);
    section(output, current.id, replaced.get(current.start)!);
  }
  flushAddedBefore(Number.POSITIVE_INFINITY);
  return { bytes: output.toBytes(), gasExportName, refillImport: refill };
}
