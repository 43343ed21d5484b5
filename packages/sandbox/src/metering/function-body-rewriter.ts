import { ByteReader } from "../binary/byte-reader.js";
import { ByteWriter } from "../binary/byte-writer.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { AtomicOpcode, MiscOpcode, Opcode, TypeCode } from "../binary/opcodes.js";
import {
  CALLEE_TAIL,
  CostModel,
  MAX_GAS_OVERRUN,
  SEGMENT_LIMIT,
  UNCHECKED_LIMIT,
} from "./cost-model.js";
import { requireWithinLimit } from "./engine-limits.js";
import { numericCost, skipMiscImmediates, unsupportedInstruction } from "./function-body-survey.js";
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
  /** Number of imported functions of the original module (their indices come first). */
  importedFunctions: number;
  /** Indices of the dynamic-cost helpers, called before bulk operations and `memory.grow`. */
  chargeBytes: number;
  chargeElements: number;
  chargePages: number;
  /** Index of the helper charging `memory.atomic.wait32/64` by its timeout operand. */
  chargeWait: number;
  /**
   * For a function charged at its call sites (a leaf, see {@link surveyFunctionBody}): its whole
   * static cost, by original function index; undefined for every other function.
   */
  callSiteCost(index: number): number | undefined;
  /**
   * For a function that also has a by-value variant (the counter passed as a last parameter and
   * returned as a last result, see {@link rewriteFunctionBody}): the variant's index in the
   * metered module, by original function index; undefined for every other function.
   */
  byValueIndex(index: number): number | undefined;
}

const EventKind = { Charge: 0, Insert: 1, ReplaceFunctionIndex: 2, Store: 3 } as const;

interface ChargeEvent {
  kind: typeof EventKind.Charge;
  at: number;
  cost: number;
  /**
   * Checked charges (function entry, loop heads, handlers, and any charge that would otherwise
   * let unchecked gas pass `UNCHECKED_LIMIT`) may call out; the others only subtract.
   */
  checked: boolean;
  /**
   * Most unchecked gas charged since the last check, over every path reaching this segment
   * (callees' tails included); -Infinity when no path reaches it.
   */
  entry: number;
  /**
   * Whether the charge also stores the counter to the gas global: the segment holds an
   * instruction that can trap, calls out or leaves the function, where the global must be exact.
   */
  store: boolean;
}

/** What a point of a segment follows: no call, a metered callee, or maybe the host. */
const After = { Nothing: 0, MeteredCall: 1, MaybeHostCall: 2 } as const;
type AfterKind = (typeof After)[keyof typeof After];

/** A point in the code: its segment and the last kind of call before it in that segment. */
interface Point {
  segment: ChargeEvent;
  after: AfterKind;
}

/** One enclosing block, loop, if or try, and the points that reach its end. */
interface Frame {
  kind: "block" | "loop" | "if" | "try";
  /** Points that reach the frame's end: branches to its label and finished arms. */
  arrivals: Point[];
  /** For `if`: the point of the `if` instruction (where the else arm starts). */
  start: Point | undefined;
  /** Whether the start of the frame is reachable. */
  reachable: boolean;
  hasElse: boolean;
  /** The segment, call state and store point where the frame starts. */
  parent: ChargeEvent;
  parentAfter: AfterKind;
  parentStoreFrom: ChargeEvent | StoreEvent;
  /** Calls (and dynamic-cost helpers) read before the frame started. */
  callsBefore: number;
  /** For `if`: the segments of its arms, while each is straight-line code. */
  thenArm: ChargeEvent | undefined;
  elseArm: ChargeEvent | undefined;
  /** A branch or return leaves the frame from inside. */
  escaped: boolean;
}
/**
 * After a by-value call the counter is in the local only: the code from there to the next charge
 * stores it first when it can observe it (trap, call out, leave).
 */
interface StoreEvent {
  kind: typeof EventKind.Store;
  at: number;
  store: boolean;
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
  /**
   * What `index` is: an original function index (renumbered), a metered function index (kept)
   * or a local index (moved up by one, past the counter parameter of a by-value variant).
   */
  target: "function" | "metered" | "local";
}
type RewriteEvent = ChargeEvent | InsertEvent | ReplaceEvent | StoreEvent;

const DROP = new Uint8Array([Opcode.drop]);

/** The dynamic-cost helper called before a {@link Opcode.misc} instruction, if it needs one. */
function miscHelperCall(snippets: FunctionSnippets, subOpcode: number): Uint8Array | undefined {
  switch (subOpcode) {
    case MiscOpcode.memoryInit:
    case MiscOpcode.memoryCopy:
    case MiscOpcode.memoryFill:
      return snippets.helperCalls.bytes;
    case MiscOpcode.tableInit:
    case MiscOpcode.tableCopy:
    case MiscOpcode.tableGrow:
    case MiscOpcode.tableFill:
      return snippets.helperCalls.elements;
    default:
      return undefined;
  }
}

/**
 * Whether a {@link Opcode.misc} instruction can trap or calls a dynamic-cost helper (which reads
 * the global): everything after the saturating truncations but the drops and `table.size`.
 */
function miscObserves(subOpcode: number): boolean {
  return (
    subOpcode > MiscOpcode.lastTruncSat &&
    subOpcode !== MiscOpcode.dataDrop &&
    subOpcode !== MiscOpcode.elemDrop &&
    subOpcode !== MiscOpcode.tableSize
  );
}

/** Whether a SIMD instruction (after the 0xFD prefix) reads or writes memory, so can trap. */
function simdAccessesMemory(subOpcode: number): boolean {
  return (
    subOpcode <= 0x0b ||
    subOpcode === 0x5c ||
    subOpcode === 0x5d ||
    (subOpcode >= 0x54 && subOpcode <= 0x5b)
  );
}

/**
 * Whether a numeric instruction can trap: integer division and remainder (by zero, overflow)
 * and the non-saturating float-to-integer truncations (NaN, out of range).
 */
function numericCanTrap(opcode: number): boolean {
  return (
    (opcode >= Opcode.i32DivS && opcode <= Opcode.i32RemU) ||
    (opcode >= Opcode.i64DivS && opcode <= Opcode.i64RemU) ||
    (opcode >= 0xa8 && opcode <= 0xab) || // i32.trunc_f32_s … i32.trunc_f64_u
    (opcode >= 0xae && opcode <= 0xb1) // i64.trunc_f32_s … i64.trunc_f64_u
  );
}

/** Value of a point: the most unchecked gas charged since the last check when it is reached. */
function pointValue(point: Point): number {
  const { segment, after } = point;
  if (segment.entry === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  // A segment's cost is charged at its start; a checked one is verified there.
  const base = segment.checked ? 0 : segment.entry + segment.cost;
  // A metered callee checks at its entry (covering all charged before) and returns with at most
  // CALLEE_TAIL unchecked; the host checks nothing but may call an export that does.
  if (after === After.MeteredCall) return CALLEE_TAIL;
  if (after === After.MaybeHostCall) return Math.max(base, CALLEE_TAIL);
  return base;
}

function highest(points: Point[]): number {
  let value = Number.NEGATIVE_INFINITY;
  for (const point of points) value = Math.max(value, pointValue(point));
  return value;
}

/**
 * Rewrites one function body (from its locals to its final `end`). The function keeps the gas
 * counter in an i64 local while it runs: loaded from the gas global at entry and after calls to
 * the host, to functions without a by-value variant and at exception handlers. Every charge
 * subtracts from it; the charge (or the end of a by-value call) before an instruction that can
 * trap (memory and table access, division, truncation, `unreachable`, indirect calls, bulk
 * operations), call out, throw or return also stores it to the global, so the global is exact
 * wherever the run can stop or be observed (a trap bills exactly what was charged).
 * With `byValue` the body is written as the function's by-value variant: the counter arrives as
 * a last parameter (the locals move up by one) and leaves as a last result, so direct calls pass
 * it in registers; the function's own index then holds an entry that calls the variant with the
 * global's counter. Direct calls to a function with a variant call the variant.
 * Every metered block subtracts its cost in advance (a straight-line `block` or `if` is merged
 * into the block it starts in); function entries, loop heads and exception
 * handlers also check it and call the out-of-gas helper below zero, so no loop or recursion runs
 * unmetered. Between checks, a forward analysis of the structured control flow bounds the gas
 * charged unchecked on any path (callees' tails included): a charge that would take it past
 * UNCHECKED_LIMIT is made checked, a charge covers at most SEGMENT_LIMIT in advance, and a
 * function returns with at most CALLEE_TAIL unchecked, so no run is charged more than
 * {@link MAX_GAS_OVERRUN} past an exhausted budget when a check stops it.
 * Bulk operations, `memory.grow` and `memory.atomic.wait*` call a dynamic-cost helper.
 * Function indices are renumbered. Writes the new body, without its size prefix, to `writer`.
 * @param parameterCount Number of parameters of the function (locals are numbered after them).
 * @param byValue Write the by-value variant (see above). @default false
 * @throws {@link InvalidModuleError} for unknown opcodes or malformed code, and when the
 * function has V8's maximum of locals already (metering adds one, two to a by-value variant).
 */
export function rewriteFunctionBody(
  bytes: Uint8Array,
  start: number,
  end: number,
  parameterCount: number,
  context: RewriteContext,
  writer: ByteWriter,
  byValue = false,
): void {
  const reader = new ByteReader(bytes, start, end);
  const localGroups = reader.u32();
  let localCount = parameterCount;
  for (let group = 0; group < localGroups; group++) {
    localCount += reader.u32();
    reader.u8();
  }
  requireWithinLimit("locals", localCount, byValue ? 2 : 1, "locals in a function");
  const codeStart = reader.position;
  const headerStart = new ByteReader(bytes, start, end);
  headerStart.u32();
  writer.u32(localGroups + 1).bytes(bytes.subarray(headerStart.position, codeStart));
  // The counter: a local of its own (an i64 after the others), or in a by-value variant the
  // parameter after the original ones (the locals move up by one) and a scratch i32.
  writer.u8(0x01).u8(byValue ? TypeCode.i32 : TypeCode.i64);
  const snippets = snippetsFor(context, byValue ? parameterCount : localCount);
  /** `br_if` out of a by-value variant: the condition set aside, the counter pushed under it. */
  const exitBranchPrefix = new ByteWriter(16)
    .u8(Opcode.localSet)
    .u32(localCount + 1)
    .bytes(snippets.getCounter)
    .u8(Opcode.localGet)
    .u32(localCount + 1)
    .toBytes();

  const events: RewriteEvent[] = [];
  if (!byValue) events.push({ kind: EventKind.Insert, at: codeStart, code: snippets.syncIn });
  let segment: ChargeEvent = {
    kind: EventKind.Charge,
    at: codeStart,
    cost: 0,
    checked: true,
    entry: 0,
    store: false,
  };
  events.push(segment);
  /** Where the code being read is stored from: its segment's charge or a by-value call's end. */
  let storeFrom: ChargeEvent | StoreEvent = segment;
  /** The code from here to the end of the innermost frame cannot run. */
  let dead = false;
  let after: AfterKind = After.Nothing;
  const frames: Frame[] = [];
  /** Points that leave the function (return, branches to its label, the final end). */
  const exits: Point[] = [];
  const here = (): Point => ({ segment, after });
  /** Starts a segment at the current position, reached from `points` (when not dead). */
  const startSegment = (checked: boolean, entry: number, at = reader.position) => {
    segment = {
      kind: EventKind.Charge,
      at,
      cost: 0,
      checked,
      entry: dead ? Number.NEGATIVE_INFINITY : entry,
      store: false,
    };
    storeFrom = segment;
    after = After.Nothing;
    events.push(segment);
  };
  /** Start of the instruction being read. */
  let instructionStart = codeStart;
  /**
   * Adds the current instruction's cost to the segment. Called before anything else is recorded
   * for the instruction: when the unchecked gas would pass UNCHECKED_LIMIT (or a segment's cost
   * SEGMENT_LIMIT), a checked segment starts at the instruction instead.
   */
  const charge = (cost: number = CostModel.instruction) => {
    if (dead) return;
    // A checked segment is cut too, so that no charge in advance exceeds SEGMENT_LIMIT (unless
    // one instruction does): a refused check counts at most MAX_GAS_OVERRUN past the budget.
    const over = segment.checked
      ? segment.cost + cost > SEGMENT_LIMIT
      : segment.entry + segment.cost + cost > UNCHECKED_LIMIT ||
        segment.cost + cost > SEGMENT_LIMIT;
    if (over) {
      if (segment.cost === 0) segment.checked = true;
      else startSegment(true, 0, instructionStart);
    }
    segment.cost += cost;
  };
  /**
   * The current instruction can trap, calls out or leaves: the counter is stored to the global
   * before it (at its segment's charge). Called after {@link charge} for the instruction.
   */
  const observed = () => {
    if (!dead) storeFrom.store = true;
  };
  /** Calls and dynamic-cost helper calls read so far (a frame holding one is not merged). */
  let calls = 0;
  /** Records where a branch to `label` goes (nothing for a loop: its head is checked). */
  const branch = (label: number) => {
    if (dead) return;
    for (let depth = 0; depth < Math.min(label, frames.length); depth++)
      frames[frames.length - 1 - depth]!.escaped = true;
    if (label === frames.length) {
      // A by-value variant returns the counter; any other function leaves it in the global.
      if (!byValue) observed();
      exits.push(here());
      return;
    }
    const frame = frames[frames.length - 1 - label];
    if (!frame) throw new InvalidModuleError("branch to an unknown label", reader.position);
    if (frame.kind !== "loop") frame.arrivals.push(here());
  };
  const openFrame = (kind: Frame["kind"], start?: Point) => {
    frames.push({
      kind,
      arrivals: [],
      start,
      reachable: !dead,
      hasElse: false,
      parent: segment,
      parentAfter: after,
      parentStoreFrom: storeFrom,
      callsBefore: calls,
      thenArm: undefined,
      elseArm: undefined,
      escaped: false,
    });
  };
  const insert = (at: number, code: Uint8Array) => {
    events.push({ kind: EventKind.Insert, at, code });
  };
  /** Records a function index (call, return_call, ref.func) to renumber when functions move. */
  const replaceFunctionIndex = (at: number, opcode: number, index: number) => {
    if (context.remapsFunctions) {
      events.push({
        kind: EventKind.ReplaceFunctionIndex,
        at,
        end: reader.position,
        opcode,
        index,
        target: "function",
      });
    }
  };
  /**
   * Merges a straight-line block or if into the segment it starts in, when it holds no call, no
   * loop, no nested segment and (an if) no branch out of its arms: its parent then charges the
   * most costly arm and the code after the frame in advance, as it does the code after a br_if.
   * Every path through the frame's end passes the parent's charge once, so nothing runs
   * uncharged; the analysis stays an upper bound (points recorded in the parent are valued with
   * its final cost).
   */
  const mergeFrame = (frame: Frame): boolean => {
    if ((frame.kind !== "block" && frame.kind !== "if") || !frame.reachable) return false;
    if (calls !== frame.callsBefore) return false;
    const parent = frame.parent;
    let extra = 0;
    const arms: ChargeEvent[] = [];
    if (frame.kind === "block") {
      if (segment !== parent) return false;
      if (dead && frame.arrivals.length === 0) return false;
    } else {
      if (frame.escaped || !frame.thenArm) return false;
      const last = frame.hasElse ? frame.elseArm : frame.thenArm;
      if (segment !== last) return false;
      arms.push(frame.thenArm);
      if (frame.elseArm) arms.push(frame.elseArm);
      for (const arm of arms) {
        if (arm.checked) return false;
        extra = Math.max(extra, arm.cost);
      }
      const reached = !dead || frame.arrivals.length > 0 || !frame.hasElse;
      if (!reached) return false;
    }
    if (parent.cost + extra > SEGMENT_LIMIT) return false;
    if (!parent.checked && parent.entry + parent.cost + extra > UNCHECKED_LIMIT) return false;
    parent.cost += extra;
    for (const arm of arms) {
      if (arm.store) frame.parentStoreFrom.store = true;
      arm.cost = 0;
      arm.store = false;
    }
    segment = parent;
    storeFrom = frame.parentStoreFrom;
    after = frame.parentAfter;
    dead = false;
    return true;
  };
  /** Ends a block, loop, if or try: the code after it is reached by every arrival. */
  const closeFrame = (frame: Frame) => {
    if (mergeFrame(frame)) return;
    const arrivals = frame.arrivals;
    if (!dead) arrivals.push(here());
    if (frame.kind === "if" && !frame.hasElse && frame.reachable && frame.start)
      arrivals.push(frame.start);
    dead = arrivals.length === 0;
    startSegment(false, highest(arrivals));
  };
  /** A point that leaves the function must carry at most CALLEE_TAIL unchecked. */
  const settleExits = () => {
    for (const exit of exits) if (pointValue(exit) > CALLEE_TAIL) exit.segment.checked = true;
  };

  for (;;) {
    const at = reader.position;
    instructionStart = at;
    const opcode = reader.u8();
    switch (opcode) {
      case Opcode.block: // block
        skipBlockType(reader);
        openFrame("block");
        break;
      case Opcode.try: // try
        skipBlockType(reader);
        openFrame("try");
        break;
      case Opcode.loop: // loop: the back-edge target, checked on every iteration
        skipBlockType(reader);
        openFrame("loop");
        startSegment(true, 0);
        break;
      case Opcode.if: {
        // if
        skipBlockType(reader);
        charge();
        const condition = here();
        openFrame("if", condition);
        startSegment(false, pointValue(condition));
        frames[frames.length - 1]!.thenArm = segment;
        break;
      }
      case Opcode.else: {
        // else
        const frame = frames[frames.length - 1];
        if (frame?.kind !== "if" || !frame.start)
          throw new InvalidModuleError("else outside an if", at);
        if (!dead) frame.arrivals.push(here());
        if (segment !== frame.thenArm) frame.thenArm = undefined;
        frame.hasElse = true;
        dead = !frame.reachable;
        startSegment(false, pointValue(frame.start));
        frame.elseArm = segment;
        break;
      }
      case Opcode.catch: // catch tag: a callee may have spent gas before throwing
      case Opcode.catchAll: {
        // catch_all
        if (opcode === Opcode.catch) reader.u32();
        const frame = frames[frames.length - 1];
        if (frame?.kind !== "try") throw new InvalidModuleError("catch outside a try", at);
        if (!dead) frame.arrivals.push(here());
        dead = !frame.reachable;
        insert(reader.position, snippets.syncIn);
        startSegment(true, 0);
        charge(CostModel.handler);
        break;
      }
      case Opcode.end: {
        // end
        const frame = frames.pop();
        if (!frame) {
          if (reader.position !== end)
            throw new InvalidModuleError("code after the function's final end", reader.position);
          if (byValue) insert(at, snippets.getCounter);
          else observed();
          if (!dead) exits.push(here());
          settleExits();
          emit(bytes, codeStart, end, events, context, snippets, writer);
          return;
        }
        closeFrame(frame);
        break;
      }
      case Opcode.delegate: {
        // delegate label: ends a try block
        reader.u32();
        const frame = frames.pop();
        if (frame?.kind !== "try") throw new InvalidModuleError("delegate outside a try", at);
        closeFrame(frame);
        break;
      }
      case Opcode.unreachable: // unreachable
        charge();
        observed();
        dead = true;
        break;
      case Opcode.return: // return
        charge();
        if (byValue) insert(at, snippets.getCounter);
        branch(frames.length);
        dead = true;
        break;
      case Opcode.throw: // throw tag
      case Opcode.rethrow: // rethrow label: the handler that catches it is checked
        reader.u32();
        charge(CostModel.throw);
        observed();
        dead = true;
        break;
      case Opcode.br: // br label
      case Opcode.brIf: {
        // br_if label
        const label = reader.u32();
        charge();
        if (byValue && label === frames.length && !dead) {
          if (opcode === Opcode.br) insert(at, snippets.getCounter);
          else {
            // br_if keeps its values when not taken: the counter is dropped again.
            insert(at, exitBranchPrefix);
            insert(reader.position, DROP);
          }
        }
        branch(label);
        if (opcode === Opcode.br) dead = true;
        break;
      }
      case Opcode.brTable: {
        // br_table
        const count = reader.u32();
        const labels = new Set<number>();
        for (let index = 0; index <= count; index++) labels.add(reader.u32());
        charge();
        for (const label of labels) branch(label);
        dead = true;
        break;
      }
      case Opcode.call: // call
      case Opcode.returnCall: {
        // return_call
        const index = reader.u32();
        // A leaf callee is charged here, in this block, instead of in its own body.
        const leafCost = context.callSiteCost(index);
        charge(CostModel.call + (leafCost ?? 0));
        observed();
        calls++;
        const variant = opcode === Opcode.call ? context.byValueIndex(index) : undefined;
        if (variant !== undefined) {
          // The by-value variant takes the counter as its last argument and returns it last.
          insert(at, snippets.getCounter);
          events.push({
            kind: EventKind.ReplaceFunctionIndex,
            at,
            end: reader.position,
            opcode,
            index: variant,
            target: "metered",
          });
          insert(reader.position, snippets.setCounter);
          storeFrom = { kind: EventKind.Store, at: reader.position, store: false };
          events.push(storeFrom);
          after = After.MeteredCall;
          break;
        }
        replaceFunctionIndex(at, opcode, index);
        if (opcode === Opcode.returnCall) {
          // Neither a leaf nor the host checks: what this function charged unchecked goes back
          // to its caller with the callee's result, as at a return.
          if (leafCost !== undefined || index < context.importedFunctions) branch(frames.length);
          dead = true;
        } else if (index < context.importedFunctions) {
          // The host may have charged gas itself (the sandbox's WASI does): checked at once.
          insert(reader.position, snippets.syncIn);
          startSegment(true, 0);
        } else if (leafCost === undefined) {
          insert(reader.position, snippets.syncIn);
          after = After.MeteredCall;
        }
        break;
      }
      case Opcode.refFunc: {
        // ref.func
        const index = reader.u32();
        replaceFunctionIndex(at, opcode, index);
        charge();
        break;
      }
      case Opcode.callIndirect: // call_indirect type table (a table may hold host functions)
      case Opcode.returnCallIndirect: // return_call_indirect
        reader.u32();
        reader.u32();
        charge(CostModel.callIndirect);
        observed();
        calls++;
        if (opcode === Opcode.callIndirect) insert(reader.position, snippets.syncIn);
        if (opcode === Opcode.returnCallIndirect) {
          branch(frames.length); // the table may hold a host function: as at a return
          dead = true;
        } else {
          after = After.MaybeHostCall;
        }
        break;
      case Opcode.nop: // nop
      case Opcode.drop: // drop
      case Opcode.select: // select
      case Opcode.refIsNull: // ref.is_null
        charge();
        break;
      case Opcode.selectTyped: {
        // select with types
        const count = reader.u32();
        reader.skip(count);
        charge();
        break;
      }
      case Opcode.localGet:
      case Opcode.localSet:
      case Opcode.localTee: {
        const local = reader.u32();
        charge();
        if (byValue && local >= parameterCount)
          events.push({
            kind: EventKind.ReplaceFunctionIndex,
            at,
            end: reader.position,
            opcode,
            index: local,
            target: "local",
          });
        break;
      }
      case Opcode.globalGet:
      case Opcode.globalSet:
        reader.u32();
        charge();
        break;
      case Opcode.tableGet: // table.get: traps out of bounds
      case Opcode.tableSet: // table.set
        reader.u32();
        charge();
        observed();
        break;
      case Opcode.memorySize: // memory.size
        reader.u32();
        charge();
        break;
      case Opcode.memoryGrow: // memory.grow: charged per requested page
        reader.u32();
        charge();
        observed(); // the helper reads the global
        insert(at, snippets.helperCalls.pages);
        calls++;
        break;
      case Opcode.i32Const:
        reader.skipSigned(32);
        charge();
        break;
      case Opcode.i64Const:
        reader.skipSigned(64);
        charge();
        break;
      case Opcode.f32Const:
        reader.skip(4);
        charge();
        break;
      case Opcode.f64Const:
        reader.skip(8);
        charge();
        break;
      case Opcode.refNull: {
        // ref.null
        const type = reader.u8();
        if (type !== TypeCode.funcref && type !== TypeCode.externref)
          unsupportedInstruction(opcode, at);
        charge();
        break;
      }
      case Opcode.misc: {
        const sub = reader.u32();
        skipMiscImmediates(reader, sub, at);
        charge();
        if (miscObserves(sub)) observed();
        const helper = miscHelperCall(snippets, sub);
        if (helper) {
          insert(at, helper);
          calls++;
        }
        break;
      }
      case Opcode.simd: {
        const sub = reader.u32();
        skipSimdImmediates(reader, sub, at);
        charge();
        if (simdAccessesMemory(sub)) observed();
        break;
      }
      case Opcode.atomic: {
        const sub = reader.u32();
        skipAtomicImmediates(reader, sub, at);
        const wait =
          sub === AtomicOpcode.memoryAtomicWait32 || sub === AtomicOpcode.memoryAtomicWait64;
        charge(wait ? CostModel.atomicWait : CostModel.instruction);
        observed(); // every atomic access can trap (bounds, alignment)
        if (wait) {
          // memory.atomic.wait32/64: charged by its timeout (the top of the stack)
          insert(at, snippets.helperCalls.wait);
          calls++;
        }
        break;
      }
      default:
        if (opcode >= Opcode.firstLoad && opcode <= Opcode.lastStore) {
          skipMemoryArgument(reader);
          charge();
          observed();
        } else if (opcode >= Opcode.firstNumeric && opcode <= Opcode.lastNumeric) {
          charge(numericCost(opcode));
          if (numericCanTrap(opcode)) observed();
        } else {
          unsupportedInstruction(opcode, at);
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
  // Events are recorded in code order; a block's charge precedes an insert at the same position,
  // except the reload after a call or at a handler, which a charge at the same place absorbs.
  let copied = codeStart;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.at > copied) writer.bytes(bytes.subarray(copied, event.at));
    if (event.at > copied) copied = event.at;
    if (event.kind === EventKind.Charge) {
      if (event.cost > 0 || event.checked)
        snippets.writeCharge(writer, event.cost, event.checked, event.store);
      else if (event.store) snippets.writeStore(writer);
    } else if (event.kind === EventKind.Store) {
      if (event.store) snippets.writeStore(writer);
    } else if (event.kind === EventKind.Insert) {
      const next = events[index + 1];
      if (
        event.code === snippets.syncIn &&
        next?.kind === EventKind.Charge &&
        next.at === event.at &&
        (next.cost > 0 || next.checked)
      ) {
        snippets.writeCharge(writer, next.cost, next.checked, next.store, true);
        index++;
        continue;
      }
      writer.bytes(event.code);
    } else {
      const index =
        event.target === "function"
          ? context.remapFunction(event.index)
          : event.target === "local"
            ? event.index + 1
            : event.index;
      writer.u8(event.opcode).u32(index);
      copied = event.end;
    }
  }
  writer.bytes(bytes.subarray(copied, codeEnd));
}
