import { ByteReader } from "../binary/byte-reader.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { AtomicOpcode, MiscOpcode, Opcode, TypeCode } from "../binary/opcodes.js";
import { CostModel } from "./cost-model.js";
import { EngineLimits, requireWithinLimit } from "./engine-limits.js";
import {
  skipAtomicImmediates,
  skipBlockType,
  skipMemoryArgument,
  skipSimdImmediates,
} from "./opcode-immediates.js";

/** What the survey of a function body learns (before anything is rewritten). */
export interface FunctionStatistics {
  /** No loop, call, exception handling, `ref.func` or dynamic-cost operation. */
  leaf: boolean;
  /** Cost of every non-structural instruction of the body: an upper bound of any run of it. */
  staticCost: number;
  /** Functions named by `ref.func` in the body. */
  referencedFunctions: number[];
  /**
   * No tail call and no `br_table` to the function's label: the body can take the gas counter as
   * a parameter and return it as an extra result (every exit can push it).
   */
  gasByValue: boolean;
  /** Functions the body calls directly (`call`), by original index. */
  calledFunctions: number[];
}

/** What the survey needs to know about the module. */
export interface SurveyContext {
  /** Whole static cost of a function charged at its call sites, by original index. */
  callSiteCost(index: number): number | undefined;
}

/**
 * @throws {@link InvalidModuleError} for an instruction Node 20 does not enable by default.
 */
export function unsupportedInstruction(opcode: number, offset: number): never {
  throw new InvalidModuleError(
    `unsupported instruction 0x${opcode.toString(16)} (not enabled by default in Node 20)`,
    offset,
  );
}

/** Cost of a numeric instruction ({@link Opcode.firstNumeric}–{@link Opcode.lastNumeric}). */
export function numericCost(opcode: number): number {
  if (
    (opcode >= Opcode.i32DivS && opcode <= Opcode.i32RemU) ||
    (opcode >= Opcode.i64DivS && opcode <= Opcode.i64RemU)
  )
    return CostModel.division;
  if (
    opcode === Opcode.f32Sqrt ||
    opcode === Opcode.f32Div ||
    opcode === Opcode.f64Sqrt ||
    opcode === Opcode.f64Div
  )
    return CostModel.floatDivision;
  return CostModel.instruction;
}

/**
 * Whether a {@link Opcode.misc} instruction is outside a leaf: bulk memory and table
 * operations with a dynamic cost (everything from `memory.init` on but the drops and
 * `table.size`).
 */
export function miscEndsLeaf(subOpcode: number): boolean {
  return (
    subOpcode > MiscOpcode.lastTruncSat &&
    subOpcode !== MiscOpcode.dataDrop &&
    subOpcode !== MiscOpcode.elemDrop &&
    subOpcode !== MiscOpcode.tableSize
  );
}

/** Skips the immediates of a {@link Opcode.misc} instruction. */
export function skipMiscImmediates(reader: ByteReader, subOpcode: number, offset: number): void {
  if (subOpcode <= MiscOpcode.lastTruncSat) return;
  if (
    subOpcode === MiscOpcode.memoryInit ||
    subOpcode === MiscOpcode.memoryCopy ||
    subOpcode === MiscOpcode.tableInit ||
    subOpcode === MiscOpcode.tableCopy
  ) {
    reader.u32();
    reader.u32();
  } else if (subOpcode <= MiscOpcode.tableFill) {
    reader.u32();
  } else {
    throw new InvalidModuleError(`unknown instruction 0xfc 0x${subOpcode.toString(16)}`, offset);
  }
}

/**
 * The first pass over one function body (from its locals to its final `end`): whether it is a
 * leaf, its static cost and the functions it names with `ref.func`. Rewrites nothing; the
 * costs are those the rewrite pass (`rewriteFunctionBody`) charges.
 * @param parameterCount Number of parameters of the function (locals are numbered after them).
 * @throws {@link InvalidModuleError} for unknown opcodes or malformed code, and when the
 * function has V8's maximum of locals already (metering adds one).
 */
export function surveyFunctionBody(
  bytes: Uint8Array,
  start: number,
  end: number,
  parameterCount: number,
  context: SurveyContext,
): FunctionStatistics {
  const reader = new ByteReader(bytes, start, end);
  const localGroups = reader.u32();
  let localCount = parameterCount;
  for (let group = 0; group < localGroups; group++) {
    localCount += reader.u32();
    reader.u8();
  }
  requireWithinLimit("locals", localCount, 1, "locals in a function");
  let leaf = true;
  // The counter as a parameter, and a scratch local for a br_if leaving the function.
  let gasByValue = localCount + 2 <= EngineLimits.locals;
  let staticCost = 0;
  const referencedFunctions: number[] = [];
  const calledFunctions: number[] = [];
  /** Enclosing blocks, loops, ifs and trys. */
  let depth = 0;
  for (;;) {
    const at = reader.position;
    const opcode = reader.u8();
    switch (opcode) {
      case Opcode.block:
        skipBlockType(reader);
        depth++;
        break;
      case Opcode.loop:
      case Opcode.try:
        skipBlockType(reader);
        leaf = false;
        depth++;
        break;
      case Opcode.if:
        skipBlockType(reader);
        staticCost += CostModel.instruction;
        depth++;
        break;
      case Opcode.else:
        break;
      case Opcode.catch:
      case Opcode.catchAll:
        if (opcode === Opcode.catch) reader.u32();
        leaf = false;
        staticCost += CostModel.handler;
        break;
      case Opcode.end:
        if (depth === 0) {
          if (reader.position !== end)
            throw new InvalidModuleError("code after the function's final end", reader.position);
          return { leaf, staticCost, referencedFunctions, gasByValue, calledFunctions };
        }
        depth--;
        break;
      case Opcode.delegate:
        reader.u32();
        leaf = false;
        depth--;
        break;
      case Opcode.throw:
      case Opcode.rethrow:
        reader.u32();
        leaf = false;
        staticCost += CostModel.throw;
        break;
      case Opcode.br:
      case Opcode.brIf:
        reader.u32();
        staticCost += CostModel.instruction;
        break;
      case Opcode.brTable: {
        const count = reader.u32();
        for (let index = 0; index <= count; index++) if (reader.u32() === depth) gasByValue = false;
        staticCost += CostModel.instruction;
        break;
      }
      case Opcode.call:
      case Opcode.returnCall: {
        const index = reader.u32();
        leaf = false;
        if (opcode === Opcode.returnCall) gasByValue = false;
        else calledFunctions.push(index);
        staticCost += CostModel.call + (context.callSiteCost(index) ?? 0);
        break;
      }
      case Opcode.refFunc:
        referencedFunctions.push(reader.u32());
        leaf = false;
        staticCost += CostModel.instruction;
        break;
      case Opcode.callIndirect:
      case Opcode.returnCallIndirect:
        reader.u32();
        reader.u32();
        leaf = false;
        if (opcode === Opcode.returnCallIndirect) gasByValue = false;
        staticCost += CostModel.callIndirect;
        break;
      case Opcode.selectTyped:
        reader.skip(reader.u32());
        staticCost += CostModel.instruction;
        break;
      case Opcode.localGet:
      case Opcode.localSet:
      case Opcode.localTee:
      case Opcode.globalGet:
      case Opcode.globalSet:
      case Opcode.tableGet:
      case Opcode.tableSet:
      case Opcode.memorySize:
        reader.u32();
        staticCost += CostModel.instruction;
        break;
      case Opcode.memoryGrow:
        reader.u32();
        leaf = false;
        staticCost += CostModel.instruction;
        break;
      case Opcode.i32Const:
        reader.skipSigned(32);
        staticCost += CostModel.instruction;
        break;
      case Opcode.i64Const:
        reader.skipSigned(64);
        staticCost += CostModel.instruction;
        break;
      case Opcode.f32Const:
        reader.skip(4);
        staticCost += CostModel.instruction;
        break;
      case Opcode.f64Const:
        reader.skip(8);
        staticCost += CostModel.instruction;
        break;
      case Opcode.refNull: {
        const type = reader.u8();
        if (type !== TypeCode.funcref && type !== TypeCode.externref)
          unsupportedInstruction(opcode, at);
        staticCost += CostModel.instruction;
        break;
      }
      case Opcode.unreachable:
      case Opcode.return:
      case Opcode.nop:
      case Opcode.drop:
      case Opcode.select:
      case Opcode.refIsNull:
        staticCost += CostModel.instruction;
        break;
      case Opcode.misc: {
        const sub = reader.u32();
        if (miscEndsLeaf(sub)) leaf = false;
        skipMiscImmediates(reader, sub, at);
        staticCost += CostModel.instruction;
        break;
      }
      case Opcode.simd:
        skipSimdImmediates(reader, reader.u32(), at);
        staticCost += CostModel.instruction;
        break;
      case Opcode.atomic: {
        const sub = reader.u32();
        skipAtomicImmediates(reader, sub, at);
        const wait =
          sub === AtomicOpcode.memoryAtomicWait32 || sub === AtomicOpcode.memoryAtomicWait64;
        if (wait) leaf = false;
        staticCost += wait ? CostModel.atomicWait : CostModel.instruction;
        break;
      }
      default:
        if (opcode >= Opcode.firstLoad && opcode <= Opcode.lastStore) {
          skipMemoryArgument(reader);
          staticCost += CostModel.instruction;
        } else if (opcode >= Opcode.firstNumeric && opcode <= Opcode.lastNumeric) {
          staticCost += numericCost(opcode);
        } else {
          unsupportedInstruction(opcode, at);
        }
    }
  }
}
