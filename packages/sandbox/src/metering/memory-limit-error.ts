/**
 * Thrown by {@link meter} when a memory's initial size is above `maxMemoryPages`: the module
 * cannot run under the limit. The executor reports it as `error.code: "memory_limit"`.
 */
export class MemoryLimitError extends Error {
  override readonly name = "MemoryLimitError";
  /** Initial size the module declares. @unit pages (64 KiB) */
  readonly initialPages: number;
  /** The limit it was metered for. @unit pages (64 KiB) */
  readonly limitPages: number;
  constructor(initialPages: number, limitPages: number) {
    super(
      `the module's initial memory is ${initialPages * 65536} bytes (${initialPages} pages); the limit is ${limitPages * 65536} bytes (${limitPages} pages)`,
    );
    this.initialPages = initialPages;
    this.limitPages = limitPages;
  }
}
