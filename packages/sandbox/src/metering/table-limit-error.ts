/**
 * Thrown by {@link limitMemory} when the tables a module declares (imported or defined) start
 * with more elements than the task's table budget allows. The executor reports it as
 * `error.code: "memory_limit"`.
 */
export class TableLimitError extends Error {
  override readonly name = "TableLimitError";
  /** Sum of the initial sizes of every table. @unit elements */
  readonly initialElements: number;
  /** The budget the module was limited to. @unit elements */
  readonly limitElements: number;
  /**
   * @param initialElements sum of the tables' initial sizes
   * @param limitElements the task's table budget
   * @param elementBytes bytes one element counts against `max_memory`
   */
  constructor(initialElements: number, limitElements: number, elementBytes: number) {
    super(
      `the module's tables start with ${initialElements} elements (${initialElements * elementBytes} bytes at ${elementBytes} bytes per element); the table budget is ${limitElements} elements (${limitElements * elementBytes} bytes)`,
    );
    this.initialElements = initialElements;
    this.limitElements = limitElements;
  }
}
