import { ByteWriter } from "../binary/byte-writer.js";
import { Opcode, TypeCode } from "../binary/opcodes.js";
import type { RewriteContext } from "./function-body-rewriter.js";

/**
 * The code snippets of one function, whose gas counter is kept in local `local` (a register on
 * the hot path) and stored to the gas global by the charges that precede an instruction that can
 * trap, call out or return, so the global is exact whenever the function traps, calls out or
 * returns.
 */
export class FunctionSnippets {
  /** Reloads the local from the global (after calls, helpers and at handlers). */
  readonly syncIn: Uint8Array;
  /** `local.get` of the counter (the argument or result of a by-value call or exit). */
  readonly getCounter: Uint8Array;
  /** `local.set` of the counter (the result of a by-value call). */
  readonly setCounter: Uint8Array;
  private readonly local: Uint8Array;
  private readonly global: Uint8Array;
  private readonly checkTail: Uint8Array;
  /** Calls of the dynamic-cost helpers (the operand they charge by is on the stack). */
  readonly helperCalls: {
    bytes: Uint8Array;
    elements: Uint8Array;
    pages: Uint8Array;
    wait: Uint8Array;
  };

  constructor(context: RewriteContext, local: number) {
    const localBytes = new ByteWriter(5).u32(local).toBytes();
    const globalBytes = new ByteWriter(5).u32(context.gasGlobal).toBytes();
    this.local = localBytes;
    this.global = globalBytes;
    this.getCounter = new ByteWriter(6).u8(Opcode.localGet).bytes(localBytes).toBytes();
    this.setCounter = new ByteWriter(6).u8(Opcode.localSet).bytes(localBytes).toBytes();
    this.syncIn = new ByteWriter(12)
      .u8(Opcode.globalGet)
      .bytes(globalBytes)
      .u8(Opcode.localSet)
      .bytes(localBytes)
      .toBytes();
    // local.get; i64.const 0; i64.lt_s; if; <store>; call $gas_out; <sync in>; end. Kept inline:
    // an out-of-line (i64) -> i64 slow path measured slower on tight loops (sieve 1.27x -> 1.49x).
    // The slow path stores the counter first: the charge before it may not have.
    this.checkTail = new ByteWriter(48)
      .u8(Opcode.localGet)
      .bytes(localBytes)
      .bytes(new Uint8Array([Opcode.i64Const, 0, Opcode.i64LtS, Opcode.if, TypeCode.emptyBlock]))
      .u8(Opcode.localGet)
      .bytes(localBytes)
      .u8(Opcode.globalSet)
      .bytes(globalBytes)
      .u8(Opcode.call)
      .u32(context.gasOut)
      .bytes(this.syncIn)
      .u8(Opcode.end)
      .toBytes();
    const around = (helper: number) =>
      new ByteWriter(16).u8(Opcode.call).u32(helper).bytes(this.syncIn).toBytes();
    this.helperCalls = {
      bytes: around(context.chargeBytes),
      elements: around(context.chargeElements),
      pages: around(context.chargePages),
      wait: around(context.chargeWait),
    };
  }

  /**
   * `local = local - cost` (from the global instead with `fromGlobal`, which makes a preceding
   * reload unnecessary), with `store` also `global = local`; with `checked`, calls the
   * out-of-gas helper below zero.
   */
  writeCharge(
    writer: ByteWriter,
    cost: number,
    checked: boolean,
    store: boolean,
    fromGlobal = false,
  ): void {
    if (fromGlobal) writer.u8(Opcode.globalGet).bytes(this.global);
    else writer.u8(Opcode.localGet).bytes(this.local);
    writer.u8(Opcode.i64Const).signed(BigInt(cost)).u8(Opcode.i64Sub);
    if (store) writer.u8(Opcode.localTee).bytes(this.local).u8(Opcode.globalSet).bytes(this.global);
    else writer.u8(Opcode.localSet).bytes(this.local);
    if (checked) writer.bytes(this.checkTail);
  }

  /** `global = local`: makes the global exact where no charge does (a free exit). */
  writeStore(writer: ByteWriter): void {
    writer.u8(Opcode.localGet).bytes(this.local).u8(Opcode.globalSet).bytes(this.global);
  }
}

// Functions with the same number of locals share their snippets (one cache per context).
const snippetCache = new WeakMap<RewriteContext, Map<number, FunctionSnippets>>();
/** The snippets of a function whose gas local is `local` (shared by equal locals). */
export function snippetsFor(context: RewriteContext, local: number): FunctionSnippets {
  let byLocal = snippetCache.get(context);
  if (!byLocal) {
    byLocal = new Map();
    snippetCache.set(context, byLocal);
  }
  let snippets = byLocal.get(local);
  if (!snippets) {
    snippets = new FunctionSnippets(context, local);
    byLocal.set(local, snippets);
  }
  return snippets;
}
