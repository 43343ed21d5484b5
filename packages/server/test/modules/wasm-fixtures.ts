/** Unsigned LEB128 of a non-negative integer. */
export function leb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return bytes;
}

const OPCODES = { add: 0x6a, sub: 0x6b, mul: 0x6c } as const;

/**
 * A real WebAssembly module exporting `main(a: i32, b: i32) -> i32` computing `a <op> b`,
 * optionally padded with a custom section of `padding` bytes (to make files over 256 KiB).
 * `salt` changes the custom section's content, and so the CID, without changing behaviour.
 */
export function numericModule(
  operation: keyof typeof OPCODES,
  padding = 0,
  salt = 0,
): Uint8Array<ArrayBuffer> {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = [0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f];
  const functions = [0x03, 0x02, 0x01, 0x00];
  const exports = [0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00];
  const code = [0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, OPCODES[operation], 0x0b];
  const parts: number[][] = [header, types, functions, exports, code];
  let custom = new Uint8Array(0);
  if (padding > 0 || salt !== 0) {
    const payloadLength = 2 + padding;
    const prefix = [0x00, ...leb128(payloadLength), 0x01, 0x70];
    custom = new Uint8Array(prefix.length + padding);
    custom.set(prefix);
    for (let i = 0; i < padding; i += 1) custom[prefix.length + i] = (i * 31 + salt) & 0xff;
  }
  const head = parts.flat();
  const module = new Uint8Array(head.length + custom.length);
  module.set(head);
  module.set(custom, head.length);
  return module;
}
