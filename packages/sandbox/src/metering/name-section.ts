import { ByteReader } from "../binary/byte-reader.js";
import { ByteWriter } from "../binary/byte-writer.js";

// Subsections whose entries are keyed by function index: function, local and label names.
const FUNCTION_KEYED = new Set([1, 2, 3]);

/**
 * Renumbers the function indices of a `name` custom section's payload (after its name).
 * Returns undefined when the payload is malformed (the caller then drops the section: names
 * are debugging aids, not semantics).
 */
export function remapNameSection(
  payload: Uint8Array,
  remapFunction: (index: number) => number,
): Uint8Array | undefined {
  try {
    const reader = new ByteReader(payload);
    const writer = new ByteWriter(payload.length + 64);
    while (!reader.done) {
      const id = reader.u8();
      const size = reader.u32();
      const content = reader.take(size);
      if (!FUNCTION_KEYED.has(id)) {
        writer.u8(id).u32(size).bytes(content);
        continue;
      }
      const inner = new ByteReader(content);
      const out = new ByteWriter(size + 16);
      const count = inner.u32();
      out.u32(count);
      for (let index = 0; index < count; index++) {
        out.u32(remapFunction(inner.u32()));
        if (id === 1) {
          out.name(inner.name());
        } else {
          const start = inner.position;
          const entries = inner.u32();
          for (let entry = 0; entry < entries; entry++) {
            inner.u32();
            inner.name();
          }
          out.bytes(content.subarray(start, inner.position));
        }
      }
      const encoded = out.toBytes();
      writer.u8(id).u32(encoded.length).bytes(encoded);
    }
    return writer.toBytes();
  } catch {
    return undefined;
  }
}
