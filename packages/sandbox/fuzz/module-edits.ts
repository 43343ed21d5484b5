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

/** Unsigned LEB128 of a non-negative integer. */
export function unsigned(value: number): number[] {
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
 * Raises the index after one `local.*` or `global.*` opcode byte (0x20–0x24) by 1–3: the
 * mutants that reach one past the declared locals or globals, where metering puts its counter
 * (issue 12, item 1). Byte-level, so it also hits bytes that only look like such an opcode.
 */
function bumpIndex(current: number[], random: SeededRandom): number[] {
  const candidates: number[] = [];
  for (let index = 8; index + 1 < current.length; index++) {
    const byte = current[index] as number;
    if (byte >= 0x20 && byte <= 0x24 && ((current[index + 1] as number) & 0x80) === 0)
      candidates.push(index);
  }
  if (candidates.length === 0) return current;
  const at = random.pick(candidates);
  const bumped = [...current];
  bumped[at + 1] = Math.min(0x7f, (current[at + 1] as number) + random.between(1, 3));
  return bumped;
}

/**
 * A byte mutant of `bytes`: one to three random flips, overwrites, insertions, deletions or
 * local/global index bumps past the 8-byte header (mutants of the header are trivially refused).
 */
export function mutateBytes(bytes: Uint8Array, random: SeededRandom): Uint8Array<ArrayBuffer> {
  let current = Array.from(bytes);
  const edits = random.between(1, 3);
  for (let edit = 0; edit < edits; edit++) {
    const at = random.between(8, Math.max(8, current.length - 1));
    switch (random.below(6)) {
      case 0:
        current[at] = (current[at] ?? 0) ^ (1 << random.below(8));
        break;
      case 1:
        current[at] = random.below(256);
        break;
      case 2:
        current.splice(at, 0, random.below(256));
        break;
      case 3:
        current = current.filter((_, index) => index !== at);
        break;
      default:
        current = bumpIndex(current, random);
    }
  }
  return new Uint8Array(current);
}

const I64 = 0x7e;

function readTypes(bytes: Uint8Array, section: RawSection | undefined): number[][] {
  const types: number[][] = [];
  if (!section) return types;
  let { value: count, next: position } = readUnsigned(bytes, section.start);
  while (count-- > 0) {
    if (bytes[position++] !== 0x60) return types; // not a plain function type: give up
    const params = readUnsigned(bytes, position);
    types.push([...bytes.subarray(params.next, params.next + params.value)]);
    const results = readUnsigned(bytes, params.next + params.value);
    position = results.next + results.value;
  }
  return types;
}

/** Skips a constant expression (as Binaryen emits them without GC); undefined when unknown. */
function skipConstant(bytes: Uint8Array, start: number): number | undefined {
  let position = start;
  for (;;) {
    const opcode = bytes[position++];
    if (opcode === 0x0b) return position;
    if (opcode === 0x41 || opcode === 0x42 || opcode === 0x23 || opcode === 0xd2) {
      while (((bytes[position] as number) & 0x80) !== 0) position++;
      position++;
    } else if (opcode === 0x43) position += 4;
    else if (opcode === 0x44) position += 8;
    else if (opcode === 0xd0) position++;
    else if (opcode === 0xfd && bytes[position] === 0x0c) position += 17;
    else return undefined;
  }
}

/**
 * Targeted invalid mutants for issue 12, item 1: an access to an i64 local (or global) whose
 * index is changed to one past the declared locals (globals) — the slot where metering puts
 * its gas counter. Such a module is invalid; a `meter()` that does not validate its input makes
 * it valid, reading or setting its own gas. Only one-byte indices are changed, so no size
 * changes. At most `limit` mutants.
 */
export function counterSlotMutants(bytes: Uint8Array, limit = 4): Uint8Array<ArrayBuffer>[] {
  const sections = splitSections(bytes);
  const find = (id: number) => sections.find((candidate) => candidate.id === id);
  const mutants: Uint8Array<ArrayBuffer>[] = [];
  const types = readTypes(bytes, find(1));
  // Function types of the defined functions.
  const functionSection = find(3);
  const functionTypes: number[] = [];
  if (functionSection) {
    let { value: count, next: position } = readUnsigned(bytes, functionSection.start);
    while (count-- > 0) {
      const type = readUnsigned(bytes, position);
      functionTypes.push(type.value);
      position = type.next;
    }
  }
  // Global types, imported ones first.
  const globalSection = find(6);
  const globalTypes: { type: number; mutable: boolean }[] = [];
  const importSection = find(2);
  if (importSection) {
    let { value: count, next: position } = readUnsigned(bytes, importSection.start);
    while (count-- > 0) {
      for (let name = 0; name < 2; name++) {
        const length = readUnsigned(bytes, position);
        position = length.next + length.value;
      }
      const kind = bytes[position++];
      if (kind === 0x03) {
        globalTypes.push({ type: bytes[position] as number, mutable: bytes[position + 1] === 1 });
        position += 2;
      } else if (kind === 0x00) position = readUnsigned(bytes, position).next;
      else if (kind === 0x01 || kind === 0x02) {
        if (kind === 0x01) position++;
        const flags = bytes[position++] as number;
        position = readUnsigned(bytes, position).next;
        if (flags & 1) position = readUnsigned(bytes, position).next;
      } else if (kind === 0x04) position = readUnsigned(bytes, position + 1).next;
      else return mutants;
    }
  }
  if (globalSection) {
    let { value: count, next: position } = readUnsigned(bytes, globalSection.start);
    while (count-- > 0) {
      globalTypes.push({ type: bytes[position] as number, mutable: bytes[position + 1] === 1 });
      const next = skipConstant(bytes, position + 2);
      if (next === undefined) return mutants;
      position = next;
    }
  }
  const globalCount = globalTypes.length;
  const code = find(10);
  if (!code) return mutants;
  let { value: bodies, next: position } = readUnsigned(bytes, code.start);
  for (let body = 0; body < bodies && mutants.length < limit; body++) {
    const size = readUnsigned(bytes, position);
    const end = size.next + size.value;
    const params = types[functionTypes[body] ?? -1] ?? [];
    const localTypes = [...params];
    let cursor = size.next;
    let { value: groups, next } = readUnsigned(bytes, cursor);
    cursor = next;
    while (groups-- > 0) {
      const group = readUnsigned(bytes, cursor);
      const type = bytes[group.next] as number;
      for (let index = 0; index < group.value && localTypes.length < 1_000_000; index++)
        localTypes.push(type);
      cursor = group.next + 1;
    }
    const localCount = localTypes.length;
    for (let at = cursor; at + 1 < end && mutants.length < limit; at++) {
      const opcode = bytes[at] as number;
      const index = bytes[at + 1] as number;
      if (index >= 0x80) continue;
      let slot: number | undefined;
      if (opcode >= 0x20 && opcode <= 0x22 && localTypes[index] === I64) slot = localCount;
      else if (opcode === 0x23 && globalTypes[index]?.type === I64) slot = globalCount;
      else if (opcode === 0x24 && globalTypes[index]?.type === I64 && globalTypes[index]?.mutable)
        slot = globalCount;
      if (slot === undefined || slot >= 0x80) continue;
      const mutant = new Uint8Array(bytes);
      mutant[at + 1] = slot;
      mutants.push(mutant);
      at += 64; // spread the mutants over the body
    }
    position = end;
  }
  return mutants;
}
