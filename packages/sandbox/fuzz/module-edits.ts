import type { SeededRandom } from "./seeded-random.js";

/** Export name under which the fuzzer exposes memory 0, so both runs' memories can be compared. */
export const FUZZ_MEMORY_EXPORT = "__fuzz_memory";

interface RawSection {
  id: number;
  /** Offset of the section's id byte. */
  header: number;
  /** Offset of the payload. */
  start: number;
  end: number;
}

function readUnsigned(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    const byte = bytes[position++];
    if (byte === undefined) throw new RangeError("truncated LEB128");
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: position };
  }
}

function unsigned(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? byte | 0x80 : byte);
  } while (rest > 0);
  return out;
}

function splitSections(bytes: Uint8Array): RawSection[] {
  const sections: RawSection[] = [];
  let position = 8;
  while (position < bytes.length) {
    const id = bytes[position] as number;
    const size = readUnsigned(bytes, position + 1);
    sections.push({ id, header: position, start: size.next, end: size.next + size.value });
    position = size.next + size.value;
  }
  return sections;
}

function countEntries(bytes: Uint8Array, section: RawSection | undefined): number {
  return section ? readUnsigned(bytes, section.start).value : 0;
}

function countImports(
  bytes: Uint8Array,
  section: RawSection | undefined,
): { functions: number; memories: number } {
  const counts = { functions: 0, memories: 0 };
  if (!section) return counts;
  let { value: count, next: position } = readUnsigned(bytes, section.start);
  while (count-- > 0) {
    for (let name = 0; name < 2; name++) {
      const length = readUnsigned(bytes, position);
      position = length.next + length.value;
    }
    const kind = bytes[position++];
    if (kind === 0x00) {
      counts.functions++;
      position = readUnsigned(bytes, position).next;
    } else if (kind === 0x01 || kind === 0x02) {
      if (kind === 0x01)
        position++; // reference type (one byte without GC)
      else counts.memories++;
      const flags = bytes[position++] as number;
      position = readUnsigned(bytes, position).next;
      if (flags & 1) position = readUnsigned(bytes, position).next;
    } else if (kind === 0x03)
      position += 2; // value type (one byte without GC), mutability
    else if (kind === 0x04) position = readUnsigned(bytes, position + 1).next;
    else return counts;
  }
  return counts;
}

/** Number of functions (imported and defined) of a module: where metering helpers start. */
export function functionCount(bytes: Uint8Array): number {
  const sections = splitSections(bytes);
  const imports = countImports(
    bytes,
    sections.find((candidate) => candidate.id === 2),
  );
  return (
    imports.functions +
    countEntries(
      bytes,
      sections.find((candidate) => candidate.id === 3),
    )
  );
}

/**
 * Adds an export of memory 0 named {@link FUZZ_MEMORY_EXPORT} (Binaryen's fuzz modules rarely
 * export their memory), so that the final memory of two runs can be compared from JavaScript.
 * Returns `bytes` unchanged when the module has no memory.
 */
export function exportMemory(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const sections = splitSections(bytes);
  const find = (id: number) => sections.find((candidate) => candidate.id === id);
  const memories = countEntries(bytes, find(5)) + countImports(bytes, find(2)).memories;
  if (memories === 0) return bytes;
  const name = [...new TextEncoder().encode(FUZZ_MEMORY_EXPORT)];
  const entry = [...unsigned(name.length), ...name, 0x02, 0x00];
  const existing = find(7);
  let payload: number[];
  let before: number;
  let after: number;
  if (existing) {
    const count = readUnsigned(bytes, existing.start);
    payload = [...unsigned(count.value + 1), ...bytes.subarray(count.next, existing.end), ...entry];
    before = existing.header;
    after = existing.end;
  } else {
    // The export section goes before start (8), element (9), data count (12), code (10), data (11).
    const next = sections.find((candidate) => [8, 9, 12, 10, 11].includes(candidate.id));
    payload = [1, ...entry];
    before = next ? next.header : bytes.length;
    after = before;
  }
  const section = [7, ...unsigned(payload.length), ...payload];
  const out = new Uint8Array(before + section.length + (bytes.length - after));
  out.set(bytes.subarray(0, before), 0);
  out.set(section, before);
  out.set(bytes.subarray(after), before + section.length);
  return out;
}

/**
 * Makes a never-ending variant of a Binaryen fuzz module: its hang-limit checks
 * (`if (i32.eqz (global.get $h)) (then (global.set $h (i32.const K)) (unreachable))`) keep
 * resetting the limit but no longer trap, so its loops and recursions run until the gas runs
 * out (or the stack overflows). Returns undefined when no check was found.
 */
export function removeHangLimits(
  bytes: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> | undefined {
  const out = new Uint8Array(bytes);
  let patched = 0;
  for (let index = 0; index + 8 < out.length; index++) {
    if (out[index] !== 0x23) continue; // global.get
    const global = readUnsigned(out, index + 1);
    let position = global.next;
    if (out[position] !== 0x45 || out[position + 1] !== 0x04 || out[position + 2] !== 0x40)
      continue; // i32.eqz, if (void)
    position += 3;
    if (out[position] !== 0x41) continue; // i32.const K
    position++;
    while (position < out.length && ((out[position] as number) & 0x80) !== 0) position++;
    position++;
    if (out[position] !== 0x24) continue; // global.set
    const target = readUnsigned(out, position + 1);
    if (target.value !== global.value) continue;
    position = target.next;
    if (out[position] !== 0x00 || out[position + 1] !== 0x0b) continue; // unreachable, end
    out[position] = 0x01; // nop
    patched++;
    index = position;
  }
  return patched > 0 ? out : undefined;
}

/**
 * A byte mutant of `bytes`: one to three random flips, overwrites, insertions or deletions
 * past the 8-byte header (mutants of the header are trivially refused).
 */
export function mutateBytes(bytes: Uint8Array, random: SeededRandom): Uint8Array<ArrayBuffer> {
  let current = Array.from(bytes);
  const edits = random.between(1, 3);
  for (let edit = 0; edit < edits; edit++) {
    const at = random.between(8, Math.max(8, current.length - 1));
    switch (random.below(4)) {
      case 0:
        current[at] = (current[at] ?? 0) ^ (1 << random.below(8));
        break;
      case 1:
        current[at] = random.below(256);
        break;
      case 2:
        current.splice(at, 0, random.below(256));
        break;
      default:
        current = current.filter((_, index) => index !== at);
    }
  }
  return new Uint8Array(current);
}
