import type { ExecutionEvent } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { executionEvent } from "../../test/support/sse-channel.js";
import { ExecutionEventRouter } from "./execution-event-router.js";

const event = (type: string, requestId: string, extra: Record<string, unknown> = {}) =>
  executionEvent(type, requestId, extra) as unknown as ExecutionEvent;

describe("ExecutionEventRouter", () => {
  it("follows the first execution of the module and holds the others", async () => {
    const delivered: ExecutionEvent[] = [];
    const router = new ExecutionEventRouter("glyph://a@1", (item) => delivered.push(item));
    router.accept(event("execution_started", "early")); // before any queued: held
    router.accept(event("execution_queued", "other", { cid: "glyph://b@1" }));
    router.accept(event("execution_queued", "mine", { cid: "glyph://a@1" }));
    router.accept(event("execution_started", "mine"));
    router.accept(event("execution_started", "other"));
    expect(delivered.map((item) => item.request_id)).toEqual(["mine", "mine"]);
    await router.settle("mine", false, 10, new Promise(() => {}));
    router.accept(event("execution_complete", "mine"));
    router.accept(event("execution_complete", "other"));
    expect(delivered.map((item) => item.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
  });

  it("follows the execution that echoes the call's idempotency key, not another run of the module", () => {
    const delivered: ExecutionEvent[] = [];
    const router = new ExecutionEventRouter("glyph://a@1", (item) => delivered.push(item), "key-2");
    router.accept(
      event("execution_queued", "first", { cid: "glyph://a@1", idempotency_key: "key-1" }),
    );
    router.accept(event("execution_started", "first"));
    router.accept(
      event("execution_queued", "second", { cid: "glyph://a@1", idempotency_key: "key-2" }),
    );
    router.accept(event("execution_started", "second"));
    expect(delivered.map((item) => [item.request_id, item.type])).toEqual([
      ["second", "execution_queued"],
      ["second", "execution_started"],
    ]);
  });

  it("delivers the held events of the execution the result names", async () => {
    const delivered: ExecutionEvent[] = [];
    const router = new ExecutionEventRouter("glyph://a@1", (item) => delivered.push(item));
    router.accept(event("execution_queued", "first", { cid: "glyph://a@1" }));
    router.accept(event("execution_queued", "second", { cid: "glyph://a@1" }));
    router.accept(event("execution_complete", "second"));
    await router.settle("second", true, 1000, new Promise(() => {}));
    expect(delivered.map((item) => [item.request_id, item.type])).toEqual([
      ["first", "execution_queued"],
      ["second", "execution_queued"],
      ["second", "execution_complete"],
    ]);
  });

  it("waits for the terminal event at most graceMs, and at most until the stream ends", async () => {
    const router = new ExecutionEventRouter("glyph://a@1", () => {});
    router.accept(event("execution_queued", "mine", { cid: "glyph://a@1" }));
    const started = Date.now();
    await router.settle("mine", true, 100, new Promise(() => {}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);

    const second = new ExecutionEventRouter("glyph://a@1", () => {});
    const settled = second.settle("mine", true, 10_000, new Promise(() => {}));
    setTimeout(() => second.accept(event("execution_error", "mine")), 20);
    await settled;

    const third = new ExecutionEventRouter("glyph://a@1", () => {});
    await third.settle("mine", true, 10_000, Promise.resolve());
  });

  it("never delivers an event after the terminal one, and stops when the callback throws", () => {
    const delivered: string[] = [];
    const router = new ExecutionEventRouter("glyph://a@1", (item) => {
      delivered.push(item.type);
      if (item.type === "execution_started") throw new Error("boom");
    });
    router.accept(event("execution_queued", "mine", { cid: "glyph://a@1" }));
    router.accept(event("execution_started", "mine"));
    router.accept(event("execution_progress", "mine", { progress: 1 }));
    expect(delivered).toEqual(["execution_queued", "execution_started"]);
    expect(router.callbackError?.error).toEqual(new Error("boom"));
  });
});
