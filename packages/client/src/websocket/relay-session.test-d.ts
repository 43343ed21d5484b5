import type { ExecuteRequestInput, ExecutionEvent, JsonValue } from "@wasm-relay/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  createClient,
  type ExecuteResult,
  type ExecutionSettlement,
  type RelayError,
  type RelaySession,
} from "../index.js";

const client = createClient({ baseUrl: "http://127.0.0.1:3000" });

describe("WebSocket session types", () => {
  it("connect() resolves to a session whose execute has HTTP's result type", () => {
    expectTypeOf(client.connect).returns.resolves.toEqualTypeOf<RelaySession>();
    const session = {} as RelaySession;
    expectTypeOf(session.execute<number>).returns.resolves.toEqualTypeOf<ExecuteResult<number>>();
    expectTypeOf(client.execute<number>).returns.resolves.toEqualTypeOf<ExecuteResult<number>>();
    expectTypeOf(session.execute).parameter(0).toEqualTypeOf<ExecuteRequestInput>();
  });

  it("executions() and events() are async iterables", () => {
    const session = {} as RelaySession;
    expectTypeOf(session.events()).toEqualTypeOf<AsyncIterable<ExecutionEvent>>();
    expectTypeOf(session.executions([])).toEqualTypeOf<
      AsyncIterable<ExecutionSettlement<JsonValue>>
    >();
    expectTypeOf<ExecutionSettlement>().toEqualTypeOf<
      | { index: number; result: ExecuteResult; error?: undefined }
      | { index: number; result?: undefined; error: RelayError }
    >();
  });
});
