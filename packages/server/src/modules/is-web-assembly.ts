/** Whether bytes are a valid WebAssembly module (`WebAssembly.validate`: decoding and validation). */
export function isWebAssembly(bytes: Uint8Array): boolean {
  return WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>);
}
