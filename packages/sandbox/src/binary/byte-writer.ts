/** A growable byte buffer with the LEB128 encoders the WebAssembly binary format needs. */
export class ByteWriter {
  private buffer: Uint8Array<ArrayBuffer>;
  /** Bytes written so far. */
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  /** Appends one byte. */
  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  /** Appends an unsigned LEB128 (up to 2^53). */
  u32(value: number): this {
    this.reserve(8);
    let rest = value;
    do {
      let byte = rest % 128;
      rest = Math.floor(rest / 128);
      if (rest !== 0) byte |= 0x80;
      this.buffer[this.length++] = byte;
    } while (rest !== 0);
    return this;
  }

  /** Appends a signed LEB128. */
  signed(value: bigint): this {
    this.reserve(10);
    let rest = value;
    for (;;) {
      const byte = Number(rest & 0x7fn);
      rest >>= 7n;
      const signBitClear = (byte & 0x40) === 0;
      if ((rest === 0n && signBitClear) || (rest === -1n && !signBitClear)) {
        this.buffer[this.length++] = byte;
        return this;
      }
      this.buffer[this.length++] = byte | 0x80;
    }
  }

  /** Appends raw bytes. */
  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Appends what another writer holds, without an intermediate copy. */
  append(other: ByteWriter): this {
    return this.bytes(other.buffer.subarray(0, other.length));
  }

  /** Appends a length-prefixed UTF-8 name. */
  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    return this.u32(encoded.length).bytes(encoded);
  }

  /** The bytes written so far (a copy sized exactly). */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.length);
  }
}
