/**
 * The WebAssembly opcodes the metering reads and writes (one byte each; the prefixes `misc`,
 * `simd` and `atomic` are followed by a LEB128 sub-opcode, see {@link MiscOpcode} and
 * {@link AtomicOpcode}). Names follow the text format, in camel case.
 */
export const Opcode = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  try: 0x06,
  catch: 0x07,
  throw: 0x08,
  rethrow: 0x09,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  returnCall: 0x12,
  returnCallIndirect: 0x13,
  delegate: 0x18,
  catchAll: 0x19,
  drop: 0x1a,
  select: 0x1b,
  selectTyped: 0x1c,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  tableGet: 0x25,
  tableSet: 0x26,
  /** First load (`i32.load`); loads and stores run to {@link Opcode.lastStore}. */
  firstLoad: 0x28,
  /** Last store (`i64.store32`). */
  lastStore: 0x3e,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  /** First numeric instruction (`i32.eqz`); numeric instructions run to {@link Opcode.lastNumeric}. */
  firstNumeric: 0x45,
  i64Ne: 0x52,
  i64LtS: 0x53,
  i64LtU: 0x54,
  i32DivS: 0x6d,
  i32RemU: 0x70,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64DivS: 0x7f,
  i64RemU: 0x82,
  i64ShrU: 0x88,
  f32Sqrt: 0x91,
  f32Div: 0x95,
  f64Sqrt: 0x9f,
  f64Div: 0xa3,
  i64ExtendI32U: 0xad,
  /** Last numeric instruction (`i64.extend32_s`). */
  lastNumeric: 0xc4,
  refNull: 0xd0,
  refIsNull: 0xd1,
  refFunc: 0xd2,
  /** Prefix of saturating conversions, bulk memory and table instructions. */
  misc: 0xfc,
  /** Prefix of SIMD instructions. */
  simd: 0xfd,
  /** Prefix of atomic instructions. */
  atomic: 0xfe,
} as const;

/** Sub-opcodes after the {@link Opcode.misc} prefix (0–7 are the saturating conversions). */
export const MiscOpcode = {
  /** Last saturating float-to-int conversion (`i64.trunc_sat_f64_u`). */
  lastTruncSat: 7,
  memoryInit: 8,
  dataDrop: 9,
  memoryCopy: 10,
  memoryFill: 11,
  tableInit: 12,
  elemDrop: 13,
  tableCopy: 14,
  tableGrow: 15,
  tableSize: 16,
  tableFill: 17,
} as const;

/** Sub-opcodes after the {@link Opcode.atomic} prefix that the metering treats apart. */
export const AtomicOpcode = {
  memoryAtomicWait32: 0x01,
  memoryAtomicWait64: 0x02,
} as const;

/** Sub-opcodes after the {@link Opcode.simd} prefix that the metering names. */
export const SimdOpcode = {
  /** `v128.const` (16 immediate bytes), the only SIMD instruction of a constant expression. */
  v128Const: 0x0c,
} as const;

/** Value, reference and block type bytes. */
export const TypeCode = {
  /** The empty block type. */
  emptyBlock: 0x40,
  i32: 0x7f,
  i64: 0x7e,
  funcref: 0x70,
  externref: 0x6f,
  /** Starts a function type in the type section. */
  function: 0x60,
} as const;
