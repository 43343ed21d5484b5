/**
 * Thrown by the binary reader and by {@link meter} when bytes are not a WebAssembly module this
 * package can accept: malformed, truncated, or using an opcode or feature it does not know.
 * The executor reports it as `error.code: "invalid_module"`.
 */
export class InvalidModuleError extends Error {
  override readonly name = "InvalidModuleError";
  /** Byte offset in the module where the problem was found, when known. */
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
