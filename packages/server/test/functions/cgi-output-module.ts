import { leb128 } from "../modules/wasm-fixtures.js";

/** Signed LEB128 of a non-negative integer (for `i32.const`). */
function sleb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest === 0 && (byte & 0x40) === 0) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb128(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...leb128(bytes.length), ...bytes];
}

/**
 * A real WASI command (assembled byte by byte) whose `_start` writes `stdout` to fd 1 with one
 * `fd_write` and returns: a module that answers every request with the same CGI output, for
 * testing what the relay does with hostile responses.
 */
export function cgiOutputModule(stdout: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const data = typeof stdout === "string" ? new TextEncoder().encode(stdout) : stdout;
  const pages = Math.ceil((16 + data.length) / 65_536) || 1;
  const i32 = (value: number) => [0x41, ...sleb128(value)];
  const store = [0x36, 0x02, 0x00];
  const body = [
    0x00, // no locals
    ...i32(0),
    ...i32(16),
    ...store,
    ...i32(4),
    ...i32(data.length),
    ...store,
    ...i32(1),
    ...i32(0),
    ...i32(1),
    ...i32(8),
    0x10,
    0x00, // call fd_write
    0x1a, // drop
    0x0b,
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x02, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00]),
    ...section(2, [0x01, ...name("wasi_snapshot_preview1"), ...name("fd_write"), 0x00, 0x00]),
    ...section(3, [0x01, 0x01]),
    ...section(5, [0x01, 0x00, ...leb128(pages)]),
    ...section(7, [0x02, ...name("memory"), 0x02, 0x00, ...name("_start"), 0x00, 0x01]),
    ...section(10, [0x01, ...leb128(body.length), ...body]),
    ...section(11, [0x01, 0x00, ...i32(16), 0x0b, ...leb128(data.length), ...data]),
  ];
  return new Uint8Array(bytes);
}
