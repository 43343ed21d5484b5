import { ByteReader } from "../binary/byte-reader.js";
import type { ByteWriter } from "../binary/byte-writer.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
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
  /** Bytes of a charge: `prefix` + i64 LEB of the cost + `suffix`. */
  chargePrefix: Uint8Array;
  chargeSuffix: Uint8Array;
  /** `call` instructions of the dynamic-cost helpers, inserted before bulk operations. */
  chargeBytesCall: Uint8Array;
  chargeElementsCall: Uint8Array;
  chargePagesCall: Uint8Array;
}

const EventKind = { Charge: 0, Insert: 1, ReplaceFunctionIndex: 2 } as const;

interface ChargeEvent {
  kind: typeof EventKind.Charge;
  at: number;
  cost: number;
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
 * Rewrites one function body (from its locals to its final `end`): inserts a gas charge at the
 * start of every metered block (function entry, loop head, if/else arms, after every `end`,
 * exception handlers), a dynamic charge before bulk operations and `memory.grow`, and renumbers
 * function indices. Writes the new body, without its size prefix, to `writer`.
 * @throws {@link InvalidModuleError} for unknown opcodes or malformed code.
 */
export function rewriteFunctionBody(
  bytes: Uint8Array,
  start: number,
  end: number,
  context: RewriteContext,
  writer: ByteWriter,
): void {
  const reader = new ByteReader(bytes, start, end);
  const localGroups = reader.u32();
  for (let group = 0; group < localGroups; group++) {
    reader.u32();
    reader.u8();
  }
  const codeStart = reader.position;
  writer.bytes(bytes.subarray(start, codeStart));

  const events: RewriteEvent[] = [];
  let segment: ChargeEvent = { kind: EventKind.Charge, at: codeStart, cost: 0 };
  events.push(segment);
  let dead = false;
  let depth = 0;
  const startSegment = () => {
    segment = { kind: EventKind.Charge, at: reader.position, cost: 0 };
    events.push(segment);
    dead = false;
  };
  const charge = () => {
    if (!dead) segment.cost++;
  };

  for (;;) {
    const at = reader.position;
    const opcode = reader.u8();
    switch (opcode) {
      case 0x02: // block
      case 0x06: // try
        skipBlockType(reader);
        depth++;
        break;
      case 0x03: // loop: the back-edge target, charged on every iteration
        skipBlockType(reader);
        depth++;
        startSegment();
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
      case 0x07: // catch tag
        reader.u32();
        startSegment();
        break;
      case 0x19: // catch_all
        startSegment();
        break;
      case 0x0b: // end
        if (depth === 0) {
          if (reader.position !== end)
            throw new InvalidModuleError("code after the function's final end", reader.position);
          emit(bytes, codeStart, end, events, context, writer);
          return;
        }
        depth--;
        startSegment();
        break;
      case 0x18: // delegate label: ends a try block
        reader.u32();
        depth--;
        startSegment();
        break;
      case 0x00: // unreachable
      case 0x0f: // return
        charge();
        dead = true;
        break;
      case 0x08: // throw tag
      case 0x09: // rethrow label
      case 0x0c: // br label
        reader.u32();
        charge();
        dead = true;
        break;
      case 0x0d: // br_if label
        reader.u32();
        charge();
        break;
      case 0x0e: {
        // br_table
        const count = reader.u32();
        for (let index = 0; index <= count; index++) reader.u32();
        charge();
        dead = true;
        break;
      }
      case 0x10: // call
      case 0x12: // return_call
      case 0xd2: {
        // ref.func
        const index = reader.u32();
        if (context.remapsFunctions) {
          events.push({
            kind: EventKind.ReplaceFunctionIndex,
            at,
            end: reader.position,
            opcode,
            index,
          });
        }
        charge();
        if (opcode === 0x12) dead = true;
        break;
      }
      case 0x11: // call_indirect type table
      case 0x13: // return_call_indirect
        reader.u32();
        reader.u32();
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
        events.push({ kind: EventKind.Insert, at, code: context.chargePagesCall });
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
        if (sub <= 7) {
          // saturating float-to-int
        } else if (sub === 8) {
          // memory.init data memory
          reader.u32();
          reader.u32();
          events.push({ kind: EventKind.Insert, at, code: context.chargeBytesCall });
        } else if (sub === 9 || sub === 13) {
          // data.drop, elem.drop
          reader.u32();
        } else if (sub === 10) {
          // memory.copy
          reader.u32();
          reader.u32();
          events.push({ kind: EventKind.Insert, at, code: context.chargeBytesCall });
        } else if (sub === 11) {
          // memory.fill
          reader.u32();
          events.push({ kind: EventKind.Insert, at, code: context.chargeBytesCall });
        } else if (sub === 12 || sub === 14) {
          // table.init elem table, table.copy table table
          reader.u32();
          reader.u32();
          events.push({ kind: EventKind.Insert, at, code: context.chargeElementsCall });
        } else if (sub === 15 || sub === 17) {
          // table.grow, table.fill
          reader.u32();
          events.push({ kind: EventKind.Insert, at, code: context.chargeElementsCall });
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
  writer: ByteWriter,
): void {
  // Events are recorded in code order; a block's charge precedes an insert at the same position.
  let copied = codeStart;
  for (const event of events) {
    if (event.at > copied) writer.bytes(bytes.subarray(copied, event.at));
    if (event.at > copied) copied = event.at;
    if (event.kind === EventKind.Charge) {
      if (event.cost > 0) {
        writer.bytes(context.chargePrefix).signed(BigInt(event.cost)).bytes(context.chargeSuffix);
      }
    } else if (event.kind === EventKind.Insert) {
      writer.bytes(event.code);
    } else {
      writer.u8(event.opcode).u32(context.remapFunction(event.index));
      copied = event.end;
    }
  }
  writer.bytes(bytes.subarray(copied, codeEnd));
}
