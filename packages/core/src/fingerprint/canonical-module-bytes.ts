import { MalformedModuleError } from "../ports/module-fingerprinter.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const CUSTOM_SECTION = 0;
/** The highest section id the relay knows (13: tag, exception handling). */
const LAST_SECTION_ID = 13;

function readSize(bytes: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let offset = start; offset < start + 5; offset++) {
    if (offset >= bytes.length)
      throw new MalformedModuleError("a section size runs past the end", offset);
    const byte = bytes[offset] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffff_ffff)
        throw new MalformedModuleError("a section size exceeds 32 bits", start);
      return { value, next: offset + 1 };
    }
    shift += 7;
  }
  throw new MalformedModuleError("a section size is longer than 5 bytes", start);
}

function writeSize(value: number, into: number[]): void {
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    into.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
}

/**
 * The canonical form of a module's bytes: the header, then every non-custom section in the
 * order it appears, each with its size in the shortest LEB128 encoding; custom sections (names,
 * DWARF debug info, producers, source maps, anything else id 0) are left out. Section contents
 * are kept byte for byte.
 * @throws {@link MalformedModuleError} for a wrong magic number or version, an unknown section
 *   id, or a size that is malformed or runs past the end.
 */
export function canonicalModuleBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER.length || HEADER.some((byte, index) => bytes[index] !== byte)) {
    throw new MalformedModuleError("expected the \\0asm magic number and version 1", 0);
  }
  const parts: Uint8Array[] = [Uint8Array.from(HEADER)];
  let total = HEADER.length;
  let offset = HEADER.length;
  while (offset < bytes.length) {
    const id = bytes[offset] as number;
    if (id > LAST_SECTION_ID) throw new MalformedModuleError(`unknown section id ${id}`, offset);
    const size = readSize(bytes, offset + 1);
    const end = size.next + size.value;
    if (end > bytes.length) {
      throw new MalformedModuleError(`section ${id} runs past the end`, offset);
    }
    if (id !== CUSTOM_SECTION) {
      const header = [id];
      writeSize(size.value, header);
      parts.push(Uint8Array.from(header), bytes.subarray(size.next, end));
      total += header.length + size.value;
    }
    offset = end;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
