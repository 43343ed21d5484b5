import createWabt from "wabt";

const wabt = await createWabt();

/** Every proposal Node 20's V8 enables by default, for wabt's parser. */
const NODE_20_FEATURES = {
  exceptions: true,
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  threads: true,
  multi_value: true,
  tail_call: true,
  bulk_memory: true,
  reference_types: true,
};

/** Compiles WebAssembly text to binary with wabt (Node 20's default features enabled). */
export function wat(text: string, options: { names?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const parsed = wabt.parseWat("test.wat", text, NODE_20_FEATURES);
  parsed.resolveNames();
  const { buffer } = parsed.toBinary({ log: false, write_debug_names: options.names ?? false });
  parsed.destroy();
  return new Uint8Array(buffer);
}
