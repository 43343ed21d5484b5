import { InvalidModuleError } from "./invalid-module-error.js";

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** A cursor over WebAssembly binary bytes: LEB128 integers, names, raw ranges. */
export class ByteReader {
  /** Current read position (absolute index into `bytes`). */
  position: number;
  /** First index past the readable range. */
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.position = start;
    this.end = end;
  }

  /** True when every byte of the range has been read. */
  get done(): boolean {
    return this.position >= this.end;
  }

  /** Reads one byte. @throws {@link InvalidModuleError} at the end of the range. */
  u8(): number {
    if (this.position >= this.end) throw new InvalidModuleError("unexpected end", this.position);
    return this.bytes[this.position++]!;
  }

  /** Reads an unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.u8();
      if (shift === 28 && byte > 0x0f)
        throw new InvalidModuleError("integer too large", this.position - 1);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }

  /** Reads a signed LEB128 of at most `bits` bits and returns it as a bigint. */
  signed(bits: number): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    const maxBytes = Math.ceil(bits / 7);
    let count = 0;
    do {
      byte = this.u8();
      count++;
      if (count > maxBytes) throw new InvalidModuleError("integer too large", this.position - 1);
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return result;
  }

  /** Skips a signed LEB128 of at most `bits` bits without decoding it. */
  skipSigned(bits: number): void {
    const maxBytes = Math.ceil(bits / 7);
    for (let count = 1; ; count++) {
      if (count > maxBytes) throw new InvalidModuleError("integer too large", this.position);
      if ((this.u8() & 0x80) === 0) return;
    }
  }

  /** Reads `length` raw bytes (a view, not a copy). */
  take(length: number): Uint8Array {
    if (this.position + length > this.end)
      throw new InvalidModuleError("unexpected end", this.position);
    const view = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  /** Skips `length` bytes. */
  skip(length: number): void {
    this.take(length);
  }

  /** Reads a length-prefixed UTF-8 name. */
  name(): string {
    const start = this.position;
    const length = this.u32();
    try {
      return textDecoder.decode(this.take(length));
    } catch (error) {
      if (error instanceof InvalidModuleError) throw error;
      throw new InvalidModuleError("name is not valid UTF-8", start);
    }
  }
}
