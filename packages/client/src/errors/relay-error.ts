import type { Problem } from "@wasm-relay/core";

/**
 * Key under which every error of this package records the kinds it belongs to. `Symbol.for`
 * makes the key the same in every copy of the package loaded into one program, so
 * {@link RelayError.isInstance} recognises errors thrown by another copy, where `instanceof`
 * would not.
 */
const KINDS = Symbol.for("@wasm-relay/client.error-kinds");

/** What every {@link RelayError} can be built with. */
export interface RelayErrorInit {
  /** HTTP status of the answer, when there was one. */
  status?: number | undefined;
  /** The `request_id` of the execution concerned, when known. */
  requestId?: string | undefined;
  /** The problem document (application/problem+json) the server answered, as received. */
  problem?: Problem | undefined;
  /** Headers of the answer, when there was one. */
  headers?: Headers | undefined;
  /** When the server said to retry (`Retry-After` header or `retry_after`). @unit milliseconds */
  retryAfter?: number | undefined;
  /** The underlying error (network failure, abort reason, parse error…). */
  cause?: unknown;
}

/**
 * Root of every error the client throws. Executions that ran and failed are not errors: they
 * resolve with `success: false`.
 *
 * Check the kind with `XError.isInstance(error)`, which works across duplicated copies of this
 * package; `instanceof` works only within one copy.
 */
export class RelayError extends Error {
  /** Stable name of the kind, immune to minification. */
  static readonly kind: string = "RelayError";

  /** HTTP status of the answer; `undefined` when no answer arrived (connection, timeout, abort). */
  readonly status: number | undefined;
  /** The `request_id` of the execution concerned, when known. */
  readonly requestId: string | undefined;
  /** The problem document the server answered, as received (raw JSON object). */
  readonly problem: Problem | undefined;
  /** Headers of the answer, when there was one. */
  readonly headers: Headers | undefined;
  /** When the server said a retry may succeed. @unit milliseconds */
  readonly retryAfter: number | undefined;

  constructor(message: string, init: RelayErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    const kinds: string[] = [];
    for (
      let type = new.target as typeof RelayError | undefined;
      type && Object.hasOwn(type, "kind");
      type = Object.getPrototypeOf(type)
    ) {
      kinds.push(type.kind);
    }
    Object.defineProperty(this, KINDS, { value: kinds });
    this.name = new.target.kind;
    this.status = init.status;
    this.requestId = init.requestId ?? init.problem?.request_id;
    this.problem = init.problem;
    this.headers = init.headers;
    this.retryAfter = init.retryAfter;
  }

  /**
   * Whether `value` is an error of this kind (or of a kind derived from it), thrown by any copy
   * of `@wasm-relay/client`.
   */
  static isInstance<T extends abstract new (...args: never[]) => RelayError>(
    this: T & { readonly kind: string },
    value: unknown,
  ): value is InstanceType<T> {
    if (typeof value !== "object" || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class isInstance is called on.
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}
