import type {
  ExecuteRequestInput,
  ExecutionErrorCode,
  ExecutionEvent,
  Health,
  JsonValue,
} from "@wasm-relay/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  type ClientOptions,
  createClient,
  type ExecuteResult,
  type ExecutionEventStream,
  type GlyphListing,
  IdempotencyMismatchError,
  RateLimitError,
  type RelayClient,
  RelayError,
  type ResponseMeta,
  type UploadedModule,
  ValidationError,
} from "./index.js";
import { type ResponseValidator, schemaValidator } from "./validation.js";

const client = createClient({ baseUrl: "http://127.0.0.1:3000" });

describe("public types", () => {
  it("createClient returns a RelayClient and takes one credential at most", () => {
    expectTypeOf(client).toEqualTypeOf<RelayClient>();
    expectTypeOf(createClient).parameter(0).toEqualTypeOf<ClientOptions>();
    createClient({ baseUrl: new URL("http://x"), apiKey: "k", timeout: 5, maxRetries: 0 });
    createClient({ baseUrl: "http://x", token: "t", headers: { user_id: "ada" } });
    // @ts-expect-error apiKey and token exclude each other
    createClient({ baseUrl: "http://x", apiKey: "k", token: "t" });
    // @ts-expect-error baseUrl is required
    createClient({ headers: {} });
    expectTypeOf(schemaValidator).toEqualTypeOf<ResponseValidator>();
    createClient({ baseUrl: "http://x", validate: schemaValidator });
  });

  it("execute takes core's request type and returns a discriminated result", async () => {
    expectTypeOf(client.execute).parameter(0).toEqualTypeOf<ExecuteRequestInput>();
    const result = await client.execute({ cid: "glyph://calculator@quantum", inputs: [5, 3] });
    expectTypeOf(result).toEqualTypeOf<ExecuteResult>();
    expectTypeOf(result.meta).toEqualTypeOf<ResponseMeta>();
    expectTypeOf(result.request_id).toEqualTypeOf<string>();
    if (result.success) {
      // @ts-expect-error a success has no error member
      result.error;
    } else {
      expectTypeOf(result.error.code).toEqualTypeOf<ExecutionErrorCode>();
    }
    // @ts-expect-error cid is required
    client.execute({ inputs: [] });
    // @ts-expect-error policy fields are numbers
    client.execute({ cid: "glyph://a@b", policy: { max_time: "5s" } });
    client.execute(
      { cid: "glyph://a@b" },
      {
        idempotencyKey: "k",
        signal: AbortSignal.timeout(10),
        timeout: 100,
        onEvent: (event) => expectTypeOf(event).toEqualTypeOf<ExecutionEvent>(),
      },
    );
  });

  it("execute<T>() types a success's output and leaves a failure's as JsonValue", async () => {
    const typed = await client.execute<{ sum: number }>({ cid: "glyph://a@b", inputs: [5, 3] });
    expectTypeOf(typed).toEqualTypeOf<ExecuteResult<{ sum: number }>>();
    expectTypeOf(typed.meta).toEqualTypeOf<ResponseMeta>();
    if (typed.success) {
      expectTypeOf(typed.output).toEqualTypeOf<{ sum: number }>();
      expectTypeOf(typed.output.sum).toEqualTypeOf<number>();
      expectTypeOf(typed.gas_used).toEqualTypeOf<number | null>();
    } else {
      expectTypeOf(typed.output).toEqualTypeOf<JsonValue | undefined>();
      expectTypeOf(typed.error.code).toEqualTypeOf<ExecutionErrorCode>();
    }
    const untyped = await client.execute({ cid: "glyph://a@b" });
    if (untyped.success) expectTypeOf(untyped.output).toEqualTypeOf<JsonValue>();
    const number = await client.execute<number>({ cid: "glyph://a@b" });
    if (number.success) {
      // @ts-expect-error the output is a number, not a string
      number.output.toUpperCase();
    }
  });

  it("events is an async iterable of discriminated events", async () => {
    const stream = client.events({ requestId: "r", lastEventId: "1" });
    expectTypeOf(stream).toEqualTypeOf<ExecutionEventStream>();
    expectTypeOf(stream.lastEventId).toEqualTypeOf<string | undefined>();
    for await (const event of stream) {
      expectTypeOf(event).toEqualTypeOf<ExecutionEvent>();
      if (event.type === "execution_progress") expectTypeOf(event.progress).toEqualTypeOf<number>();
      if (event.type === "execution_started") {
        expectTypeOf(event.executor_node).toEqualTypeOf<string>();
      }
    }
  });

  it("health, modules and glyphs are typed", () => {
    expectTypeOf(client.health()).resolves.toEqualTypeOf<Health>();
    expectTypeOf(client.modules.upload(new Uint8Array())).resolves.toEqualTypeOf<UploadedModule>();
    expectTypeOf(client.modules.get("c")).resolves.toEqualTypeOf<Uint8Array>();
    expectTypeOf(client.glyphs.list("n")).resolves.toEqualTypeOf<GlyphListing>();
    // @ts-expect-error a publication needs a cid
    client.glyphs.publish({ name: "n", tag: "t" });
  });

  it("isInstance narrows to the class it is called on", () => {
    const caught: unknown = new Error("x");
    if (RateLimitError.isInstance(caught)) {
      expectTypeOf(caught).toEqualTypeOf<RateLimitError>();
      expectTypeOf(caught.retryAfter).toEqualTypeOf<number | undefined>();
    }
    if (ValidationError.isInstance(caught)) {
      expectTypeOf(caught.details[0]!.path).toEqualTypeOf<string>();
    }
    if (IdempotencyMismatchError.isInstance(caught)) {
      expectTypeOf(caught).toEqualTypeOf<IdempotencyMismatchError>();
    }
    if (RelayError.isInstance(caught)) {
      expectTypeOf(caught.status).toEqualTypeOf<number | undefined>();
      expectTypeOf(caught.requestId).toEqualTypeOf<string | undefined>();
    }
  });
});
