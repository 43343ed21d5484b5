import { ByteReader } from "../binary/byte-reader.js";
import { ByteWriter } from "../binary/byte-writer.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import {
  type FunctionType,
  readLimits,
  readTypeSection,
  readValueType,
} from "../binary/module-info.js";
import { type Section, SectionId } from "../binary/sections.js";
import { MAX_LEAF_COST } from "./cost-model.js";
import { EngineLimits } from "./engine-limits.js";
import { type SurveyContext, surveyFunctionBody } from "./function-body-survey.js";
import { copyConstantExpression, rewriteElementSection } from "./function-references.js";

/** What metering needs to know about a module before rewriting it. */
export interface ModuleCounts {
  types: number;
  importedFunctions: number;
  importedGlobals: number;
  definedFunctions: number;
  definedGlobals: number;
  exportNames: Set<string>;
  /** Number of imports (of every kind). */
  imports: number;
  /** Module names the imports come from. */
  importModules: Set<string>;
  /** Parameter count of each defined function. */
  parameterCounts: number[];
  /** Type index of each defined function. */
  functionTypes: number[];
  /** Every type of the type section: its parameter and result types, one byte each. */
  signatures: { params: Uint8Array; results: Uint8Array }[];
  /** Functions reachable other than by a direct call: exported, start, in tables, ref.func. */
  escapingFunctions: Set<number>;
}

/** Counts types, imports, functions, globals and finds the functions that escape direct calls. */
export function countModule(bytes: Uint8Array, sections: Section[]): ModuleCounts {
  const counts: ModuleCounts = {
    types: 0,
    importedFunctions: 0,
    importedGlobals: 0,
    definedFunctions: 0,
    definedGlobals: 0,
    exportNames: new Set(),
    imports: 0,
    importModules: new Set(),
    parameterCounts: [],
    functionTypes: [],
    signatures: [],
    escapingFunctions: new Set(),
  };
  const record = (index: number) => {
    counts.escapingFunctions.add(index);
    return index;
  };
  let types: FunctionType[] = [];
  for (const section of sections) {
    const reader = new ByteReader(bytes, section.start, section.end);
    if (section.id === SectionId.type) {
      const start = reader.position;
      types = readTypeSection(reader);
      counts.types = types.length;
      // Every value type Node 20 accepts is one byte: the signatures are read again as bytes.
      const raw = new ByteReader(bytes, start, section.end);
      raw.u32();
      const valueTypes = () => {
        const count = raw.u32();
        const start = raw.position;
        raw.skip(count);
        return bytes.slice(start, start + count);
      };
      for (let index = 0; index < types.length; index++) {
        raw.u8();
        const params = valueTypes();
        counts.signatures.push({ params, results: valueTypes() });
      }
    } else if (section.id === SectionId.function) {
      counts.definedFunctions = reader.u32();
      for (let index = 0; index < counts.definedFunctions; index++) {
        const typeIndex = reader.u32();
        const type = types[typeIndex];
        if (!type)
          throw new InvalidModuleError("function type index out of range", reader.position);
        counts.parameterCounts.push(type.params.length);
        counts.functionTypes.push(typeIndex);
      }
    } else if (section.id === SectionId.import) {
      const count = reader.u32();
      counts.imports = count;
      for (let index = 0; index < count; index++) {
        counts.importModules.add(reader.name());
        reader.name();
        const kind = reader.u8();
        if (kind === 0) {
          reader.u32();
          counts.importedFunctions++;
        } else if (kind === 1) {
          readValueType(reader);
          readLimits(reader);
        } else if (kind === 2) {
          readLimits(reader);
        } else if (kind === 3) {
          readValueType(reader);
          reader.u8();
          counts.importedGlobals++;
        } else if (kind === 4) {
          reader.u8();
          reader.u32();
        } else {
          throw new InvalidModuleError(`unknown import kind ${kind}`, reader.position - 1);
        }
      }
    } else if (section.id === SectionId.export) {
      const count = reader.u32();
      for (let index = 0; index < count; index++) {
        counts.exportNames.add(reader.name());
        const kind = reader.u8();
        const exported = reader.u32();
        if (kind === 0) record(exported);
      }
    } else if (section.id === SectionId.start) {
      record(reader.u32());
    } else if (section.id === SectionId.element) {
      rewriteElementSection(reader, new ByteWriter(section.end - section.start), record);
    } else if (section.id === SectionId.global) {
      const count = reader.u32();
      counts.definedGlobals = count;
      const scratch = new ByteWriter(64);
      for (let index = 0; index < count; index++) {
        readValueType(reader);
        reader.u8();
        copyConstantExpression(reader, scratch, record);
      }
    }
  }
  return counts;
}

/**
 * Finds the functions that can be charged at their call sites: loop-free, call-free leaves that
 * only direct calls reach and that cost at most {@link MAX_LEAF_COST}. Their static cost bounds any run of them, so callers add it to the
 * calling block and the leaf itself needs no counter, check or synchronisation.
 */
export function findLeafFunctions(
  bytes: Uint8Array,
  sections: Section[],
  counts: ModuleCounts,
  context: SurveyContext,
  leafCosts: Map<number, number>,
  byValue: Set<number>,
  directCalls: number[] = [],
): void {
  const code = sections.find((entry) => entry.id === SectionId.code);
  if (!code) return;
  const reader = new ByteReader(bytes, code.start, code.end);
  const count = reader.u32();
  const candidates = new Map<number, number>();
  const eligible = new Set<number>();
  const called = new Set<number>();
  for (let index = 0; index < count; index++) {
    const size = reader.u32();
    const start = reader.position;
    reader.skip(size);
    const parameters = counts.parameterCounts[index];
    if (parameters === undefined) throw new InvalidModuleError("code entry without a function");
    const statistics = surveyFunctionBody(bytes, start, start + size, parameters, context);
    for (const referenced of statistics.referencedFunctions)
      counts.escapingFunctions.add(referenced);
    for (const callee of statistics.calledFunctions) called.add(callee);
    directCalls[index] = statistics.calledFunctions.length;
    if (statistics.leaf && statistics.staticCost <= MAX_LEAF_COST)
      candidates.set(counts.importedFunctions + index, statistics.staticCost);
    if (statistics.gasByValue && withinByValueLimits(counts, index))
      eligible.add(counts.importedFunctions + index);
  }
  for (const [index, cost] of candidates) {
    if (!counts.escapingFunctions.has(index)) leafCosts.set(index, cost);
  }
  for (const index of eligible) if (called.has(index) && !leafCosts.has(index)) byValue.add(index);
}

/**
 * Whether defined function `index` can take the counter as one more parameter and result (and
 * one more local) within V8's limits.
 */
function withinByValueLimits(counts: ModuleCounts, index: number): boolean {
  const signature = counts.signatures[counts.functionTypes[index] ?? -1];
  return (
    signature !== undefined &&
    signature.params.length < EngineLimits.functionParameters &&
    signature.results.length < EngineLimits.functionResults
  );
}
