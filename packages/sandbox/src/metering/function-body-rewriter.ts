import { ByteReader } from "../binary/byte-reader.js";
import type { ByteWriter } from "../binary/byte-writer.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { type FunctionSnippets, snippetsFor } from "./function-snippets.js";
import {
  skipAtomicImmediates,
  skipBlockType,
  skipMemoryArgument,
  skipSimdImmediates,
} from "./opcode-immediates.js";

/** What the rewriter needs to know about the module being metered. */
export interface RewriteContext {
  /** Maps an original function index to its index in the metered module. */
  remapFunction(index: number): number;
  /** True when function indices change (a function import was added). */
  remapsFunctions: boolean;
  /** Index of the gas counter global. */
  gasGlobal: number;
  /** Index of the out-of-gas helper (refill or trap). */
  gasOut: number;
  /** Indices of the dynamic-cost helpers, called before bulk operations and `memory.grow`. */
  chargeBytes: number;
  chargeElements: number;
  chargePages: number;
  /**
   * For a function charged at its call sites (see {@link FunctionStatistics.leaf}): its whole
   * static cost, by original function index; undefined for every other function.
   */
  callSiteCost(index: number): number | undefined;
}

/** What a first pass over a function body learns. */
export interface FunctionStatistics {
  /** No loop, call, exception handling, `ref.func` or dynamic-cost operation. */
  leaf: boolean;
  /** Cost of every non-structural instruction of the body: an upper bound of any run of it. */
  staticCost: number;
  /** Functions named by `ref.func` in the body. */
  referencedFunctions: number[];
}

const EventKind = { Charge: 0, Insert: 1, ReplaceFunctionIndex: 2 } as const;

interface ChargeEvent {
  kind: typeof EventKind.Charge;
  at: number;
  cost: number;
  /** Checked charges (function entry, loop heads) may call out; the others only subtract. */
  checked: boolean;
}
interface InsertEvent {
  kind: typeof EventKind.Insert;
  at: number;
  code: Uint8Array;
}
interface ReplaceEvent {
  kind: typeof EventKind.ReplaceFunctionIndex;
  at: number;
  end: number;
  opcode: number;
  index: number;
}
type RewriteEvent = ChargeEvent | InsertEvent | ReplaceEvent;

function unsupported(opcode: number, offset: number): never {
  throw new InvalidModuleError(
    `unsupported instruction 0x${opcode.toString(16)} (not enabled by default in Node 20)`,
    offset,
  );
}

/**
 * Rewrites one function body (from its locals to its final `end`). The function gets an i64
 * local that holds the gas counter while it runs: loaded from the gas global at entry and after
 * calls and exception handlers, stored back before calls, returns, throws and branches out of
 * the function. Every metered block subtracts its cost from the local; function entries and loop
 * heads also check it and call the out-of-gas helper below zero, so no loop or recursion runs
 * unmetered, while straight-line code between checks is bounded by the function's size.
 * Bulk operations and `memory.grow` call a dynamic-cost helper. Function indices are renumbered.
 * Writes the new body, without its size prefix, to `writer`.
 * @param parameterCount Number of parameters of the function (locals are numbered after them).
 * @throws {@link InvalidModuleError} for unknown opcodes or malformed code.
 */
export function rewriteFunctionBody(
  bytes: Uint8Array,
  start: number,
  end: number,
  parameterCount: number,
  context: RewriteContext,
  writer: ByteWriter,
  statistics?: FunctionStatistics,
): void {
  const reader = new ByteReader(bytes, start, end);
  const localGroups = reader.u32();
  let localCount = parameterCount;
  for (let group = 0; group < localGroups; group++) {
    localCount += reader.u32();
    reader.u8();
  }
  const codeStart = reader.position;
  const headerStart = new ByteReader(bytes, start, end);
  headerStart.u32();
  writer.u32(localGroups + 1).bytes(bytes.subarray(headerStart.position, codeStart));
  writer.u8(0x01).u8(0x7e); // one i64: the gas counter
  const snippets = snippetsFor(context, localCount);
  const recording = statistics === undefined;

  const events: RewriteEvent[] = [];
  events.push({ kind: EventKind.Insert, at: codeStart, code: snippets.syncIn });
  let segment: ChargeEvent = { kind: EventKind.Charge, at: codeStart, cost: 0, checked: true };
  events.push(segment);
  let dead = false;
  let depth = 0;
  const startSegment = (checked = false) => {
    segment = { kind: EventKind.Charge, at: reader.position, cost: 0, checked };
    if (recording) events.push(segment);
    dead = false;
  };
  let staticCost = 0;
  let leaf = true;
  const referencedFunctions: number[] = [];
  const charge = () => {
    staticCost++;
    if (!dead) segment.cost++;
  };
  const insert = (at: number, code: Uint8Array) => {
    if (recording) events.push({ kind: EventKind.Insert, at, code });
  };
  /** Records a function index (call, return_call, ref.func) to renumber when functions move. */
  const replaceFunctionIndex = (at: number, opcode: number, index: number) => {
    if (recording && context.remapsFunctions) {
      events.push({
        kind: EventKind.ReplaceFunctionIndex,
        at,
        end: reader.position,
        opcode,
        index,
      });
    }
  };

  for (;;) {
    const at = reader.position;
    const opcode = reader.u8();
    switch (opcode) {
      case 0x02: // block
      case 0x06: // try
        skipBlockType(reader);
        if (opcode === 0x06) leaf = false;
        depth++;
        break;
      case 0x03: // loop: the back-edge target, checked on every iteration
        skipBlockType(reader);
        leaf = false;
        depth++;
        startSegment(true);
        break;
      case 0x04: // if
        skipBlockType(reader);
        charge();
        depth++;
        startSegment();
        break;
      case 0x05: // else
        startSegment();
        break;
      case 0x07: // catch tag: a callee may have spent gas before throwing
        reader.u32();
        leaf = false;
        insert(reader.position, snippets.syncIn);
        startSegment();
        break;
      case 0x19: // catch_all
        leaf = false;
        insert(reader.position, snippets.syncIn);
        startSegment();
        break;
      case 0x0b: // end
        if (depth === 0) {
          if (reader.position !== end)
            throw new InvalidModuleError("code after the function's final end", reader.position);
          insert(at, snippets.syncOut);
          if (statistics) {
            statistics.leaf = leaf;
            statistics.staticCost = staticCost;
            statistics.referencedFunctions = referencedFunctions;
            return;
          }
          emit(bytes, codeStart, end, events, context, snippets, writer);
          return;
        }
        depth--;
        startSegment();
        break;
      case 0x18: // delegate label: ends a try block
        reader.u32();
        leaf = false;
        depth--;
        startSegment();
        break;
      case 0x00: // unreachable
        charge();
        dead = true;
        break;
      case 0x0f: // return
        insert(at, snippets.syncOut);
        charge();
        dead = true;
        break;
      case 0x08: // throw tag
      case 0x09: // rethrow label
        reader.u32();
        leaf = false;
        insert(at, snippets.syncOut);
        charge();
        dead = true;
        break;
      case 0x0c: // br label
      case 0x0d: {
        // br_if label
        const label = reader.u32();
        if (label === depth) insert(at, snippets.syncOut);
        charge();
        if (opcode === 0x0c) dead = true;
        break;
      }
      case 0x0e: {
        // br_table
        const count = reader.u32();
        let leavesFunction = false;
        for (let index = 0; index <= count; index++)
          if (reader.u32() === depth) leavesFunction = true;
        if (leavesFunction) insert(at, snippets.syncOut);
        charge();
        dead = true;
        break;
      }
      case 0x10: // call
      case 0x12: {
        // return_call
        const index = reader.u32();
        leaf = false;
        // A leaf callee is charged here, in this block, instead of in its own body.
        const leafCost = context.callSiteCost(index);
        if (leafCost !== undefined && !dead) segment.cost += leafCost;
        if (leafCost !== undefined && opcode === 0x10) {
          replaceFunctionIndex(at, opcode, index);
          charge();
          break;
        }
        insert(at, snippets.syncOut);
        replaceFunctionIndex(at, opcode, index);
        if (opcode === 0x10) insert(reader.position, snippets.syncIn);
        charge();
        if (opcode === 0x12) dead = true;
        break;
      }
      case 0xd2: {
        // ref.func
        const index = reader.u32();
        leaf = false;
        referencedFunctions.push(index);
        replaceFunctionIndex(at, opcode, index);
        charge();
        break;
      }
      case 0x11: // call_indirect type table
      case 0x13: // return_call_indirect
        reader.u32();
        reader.u32();
        leaf = false;
        insert(at, snippets.syncOut);
        if (opcode === 0x11) insert(reader.position, snippets.syncIn);
        charge();
        if (opcode === 0x13) dead = true;
        break;
      case 0x01: // nop
      case 0x1a: // drop
      case 0x1b: // select
      case 0xd1: // ref.is_null
        charge();
        break;
      case 0x1c: {
        // select with types
        const count = reader.u32();
        reader.skip(count);
        charge();
        break;
      }
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
      case 0x24:
      case 0x25: // table.get
      case 0x26: // table.set
        reader.u32();
        charge();
        break;
      case 0x3f: // memory.size
        reader.u32();
        charge();
        break;
      case 0x40: // memory.grow: charged per requested page
        reader.u32();
        leaf = false;
        insert(at, snippets.helperCalls.pages);
        charge();
        break;
      case 0x41:
        reader.skipSigned(32);
        charge();
        break;
      case 0x42:
        reader.skipSigned(64);
        charge();
        break;
      case 0x43:
        reader.skip(4);
        charge();
        break;
      case 0x44:
        reader.skip(8);
        charge();
        break;
      case 0xd0: {
        // ref.null
        const type = reader.u8();
        if (type !== 0x70 && type !== 0x6f) unsupported(opcode, at);
        charge();
        break;
      }
      case 0xfc: {
        const sub = reader.u32();
        if (sub >= 8 && sub !== 9 && sub !== 13 && sub !== 16) leaf = false;
        if (sub <= 7) {
          // saturating float-to-int
        } else if (sub === 8) {
          // memory.init data memory
          reader.u32();
          reader.u32();
          insert(at, snippets.helperCalls.bytes);
        } else if (sub === 9 || sub === 13) {
          // data.drop, elem.drop
          reader.u32();
        } else if (sub === 10) {
          // memory.copy
          reader.u32();
          reader.u32();
          insert(at, snippets.helperCalls.bytes);
        } else if (sub === 11) {
          // memory.fill
          reader.u32();
          insert(at, snippets.helperCalls.bytes);
        } else if (sub === 12 || sub === 14) {
          // table.init elem table, table.copy table table
          reader.u32();
          reader.u32();
          insert(at, snippets.helperCalls.elements);
        } else if (sub === 15 || sub === 17) {
          // table.grow, table.fill
          reader.u32();
          insert(at, snippets.helperCalls.elements);
        } else if (sub === 16) {
          // table.size
          reader.u32();
        } else {
          throw new InvalidModuleError(`unknown instruction 0xfc 0x${sub.toString(16)}`, at);
        }
        charge();
        break;
      }
      case 0xfd:
        skipSimdImmediates(reader, reader.u32(), at);
        charge();
        break;
      case 0xfe:
        skipAtomicImmediates(reader, reader.u32(), at);
        charge();
        break;
      default:
        if (opcode >= 0x28 && opcode <= 0x3e) {
          skipMemoryArgument(reader);
          charge();
        } else if (opcode >= 0x45 && opcode <= 0xc4) {
          charge();
        } else {
          unsupported(opcode, at);
        }
    }
  }
}

function emit(
  bytes: Uint8Array,
  codeStart: number,
  codeEnd: number,
  events: RewriteEvent[],
  context: RewriteContext,
  snippets: FunctionSnippets,
  writer: ByteWriter,
): void {
  // Events are recorded in code order; a block's charge precedes an insert at the same position.
  let copied = codeStart;
  for (const event of events) {
    if (event.at > copied) writer.bytes(bytes.subarray(copied, event.at));
    if (event.at > copied) copied = event.at;
    if (event.kind === EventKind.Charge) {
      if (event.cost > 0 || event.checked) snippets.writeCharge(writer, event.cost, event.checked);
    } else if (event.kind === EventKind.Insert) {
      writer.bytes(event.code);
    } else {
      writer.u8(event.opcode).u32(context.remapFunction(event.index));
      copied = event.end;
    }
  }
  writer.bytes(bytes.subarray(copied, codeEnd));
}
