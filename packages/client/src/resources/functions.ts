import type { ExecutionErrorCode, JsonValue, RequestedPolicy } from "@wasm-relay/core";
import type { RequestOptions } from "../client-options.js";
import { FunctionExecutionError } from "../errors/function-execution-error.js";
import { RelayError } from "../errors/relay-error.js";
import { generateIdempotencyKey } from "../idempotency-key.js";
import type { HttpTransport, TransportResponse } from "../transport/http-transport.js";
import { requestOptions, requireText } from "./call-arguments.js";
import type { ResponseMeta } from "./execute.js";

/** Per-call options of {@link FunctionHandle.call}. */
export interface FunctionCallOptions extends RequestOptions {
  /**
   * The call's policy, sent as query parameters (`?max_gas=…`); what it leaves out comes from
   * the tag's published defaults, then the server's. @default none
   */
  policy?: RequestedPolicy | undefined;
  /**
   * Idempotency key of this logical call, sent as `Idempotency-Key` on every attempt.
   * @default a random UUID made once per call
   */
  idempotencyKey?: string | undefined;
}

/** What a successful function call answers. */
export interface FunctionResult<TOutput = JsonValue> {
  /** The entry's output. */
  output: TOutput;
  /** The request's content hash (`Relay-Request-Id`). */
  requestId: string;
  /** Gas spent (`Relay-Gas-Used`); `null` when not metered. */
  gasUsed: number | null;
  /** Time spent executing (`Relay-Duration`). @unit milliseconds */
  duration: number;
  /** Status, headers, attempts, replay and the idempotency key sent. */
  meta: ResponseMeta;
}

/** `client.fn("name@tag")`: the numeric functions of a glyph tag, as `POST /fn/name@tag/{entry}`. */
export interface FunctionHandle {
  /** The glyph, `name@tag`. */
  readonly glyph: string;
  /**
   * Calls an entry with its arguments: an array in order, or an object of the names the tag
   * declares (`function.parameters`). Safe to retry: one idempotency key covers every attempt,
   * and an answer from a module that ran is never retried.
   * @typeParam TOutput the output's type, as the caller knows it from the module; not checked.
   * @throws FunctionExecutionError when the module ran and failed (`code`: `trap`,
   *   `gas_exhausted`, `timeout`, `invalid_input`, `entry_not_found`, …); the refusals of the
   *   execute route otherwise (ValidationError, AuthenticationError, PermissionDeniedError,
   *   NotFoundError, RateLimitError, ServerError…); TypeError for an empty entry.
   */
  call<TOutput = JsonValue>(
    entry: string,
    args?: readonly JsonValue[] | Readonly<Record<string, JsonValue>>,
    options?: FunctionCallOptions,
  ): Promise<FunctionResult<TOutput>>;
}

/** `name@tag` or `@scope/name@tag` in the characters glyph names and tags may hold (URL-safe). */
const GLYPH = /^(@[\w.-]+\/)?[\w.-]+@[\w.+-]+$/;

const EXECUTION_FAILED = /\/execution-failed$/;

/**
 * Builds `client.fn(glyph)`.
 * @throws TypeError when `glyph` is not `name@tag` (or `@scope/name@tag`).
 */
export function createFunctionHandle(transport: HttpTransport, glyph: string): FunctionHandle {
  if (typeof glyph !== "string" || !GLYPH.test(glyph)) {
    throw new TypeError(`fn: ${JSON.stringify(glyph)} is not name@tag`);
  }
  const base = `fn/${glyph}`;
  return {
    glyph,
    async call<TOutput = JsonValue>(
      entry: string,
      args: readonly JsonValue[] | Readonly<Record<string, JsonValue>> = [],
      options: FunctionCallOptions = {},
    ): Promise<FunctionResult<TOutput>> {
      requireText("entry", entry);
      const idempotencyKey = options.idempotencyKey ?? generateIdempotencyKey();
      // ky leaves undefined members out of the query.
      const searchParams = options.policy as Record<string, string> | undefined;
      let answer: TransportResponse<unknown>;
      try {
        answer = await transport.request(
          {
            ...requestOptions(options),
            method: "POST",
            path: `${base}/${encodeURIComponent(entry)}`,
            searchParams,
            json: args,
            headers: { ...options.headers, "idempotency-key": idempotencyKey },
          },
          "json",
        );
      } catch (error) {
        throw asFunctionError(error);
      }
      const { headers, status, attempts } = answer;
      const gas = headers.get("relay-gas-used");
      return {
        output: answer.data as TOutput,
        requestId: headers.get("relay-request-id") ?? "",
        gasUsed: gas === null ? null : +gas,
        duration: +(headers.get("relay-duration") ?? 0),
        meta: {
          status,
          headers,
          attempts,
          replayed: headers.get("idempotent-replayed") === "true",
          idempotencyKey,
        },
      };
    },
  };
}

/** A failed run's problem as a {@link FunctionExecutionError}; any other error as it is. */
function asFunctionError(error: unknown): unknown {
  if (!(error instanceof RelayError)) return error;
  const problem = error.problem as
    | (RelayError["problem"] & { code?: unknown; gas_used?: unknown })
    | undefined;
  if (!problem || typeof problem.type !== "string" || !EXECUTION_FAILED.test(problem.type)) {
    return error;
  }
  return new FunctionExecutionError(error.message, {
    ...error,
    problem,
    code: problem.code as ExecutionErrorCode,
    gasUsed: typeof problem.gas_used === "number" ? problem.gas_used : null,
    cause: error,
  });
}
