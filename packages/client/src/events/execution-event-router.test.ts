import type { ExecutionEvent } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { executionEvent } from "../../test/support/sse-channel.js";
import { ExecutionEventRouter } from "./execution-event-router.js";

const event = (type: string, requestId: string, extra: Record<string, unknown> = {}) =>
  executionEvent(type, requestId, extra) as unknown as ExecutionEvent;

describe("ExecutionEventRouter", () => {
  it("follows the execution whose execution_queued echoes the call's key, never another of the same module", async () => {
    const delivered: ExecutionEvent[] = [];
    const router = new ExecutionEventRouter("key-mine", (item) => delivered.push(item));
    // Another call of the same user and module, queued first: dropped, as are its later events.
    router.accept(
      event("execution_queued", "other", { cid: "glyph://a@1", idempotency_key: "key-other" }),
    );
    router.accept(
      event("execution_queued", "mine", { cid: "glyph://a@1", idempotency_key: "key-mine" }),
    );
    router.accept(event("execution_started", "other"));
    router.accept(event("execution_started", "mine"));
    router.accept(event("execution_progress", "other", { progress: 50 }));
    router.accept(event("execution_complete", "other"));
    expect(delivered.map((item) => [item.request_id, item.type])).toEqual([
      ["mine", "execution_queued"],
      ["mine", "execution_started"],
    ]);
    await router.settle("mine", false, 10, new Promise(() => {}));
    router.accept(event("execution_complete", "mine"));
    router.accept(event("execution_complete", "other"));
    expect(delivered.map((item) => [item.request_id, item.type])).toEqual([
      ["mine", "execution_queued"],
      ["mine", "execution_started"],
      ["mine", "execution_complete"],
    ]);
  });

  it("holds events of executions not known yet and delivers those of ours once its key or result names it", async () => {
    const delivered: ExecutionEvent[] = [];
    const router = new ExecutionEventRouter("key-2", (item) => delivered.push(item));
    // The stream opened after queued: started arrives before any queued of ours.
    router.accept(event("execution_started", "second"));
    router.accept(event("execution_started", "first"));
    router.accept(
      event("execution_queued", "first", { cid: "glyph://a@1", idempotency_key: "key-1" }),
    );
    router.accept(
      event("execution_queued", "second", { cid: "glyph://a@1", idempotency_key: "key-2" }),
    );
    expect(delivered.map((item) => [item.request_id, item.type])).toEqual([
      ["second", "execution_started"],
      ["second", "execution_queued"],
    ]);

    // A server that does not echo keys: held until the result's request_id says which is ours.
    const unkeyed: ExecutionEvent[] = [];
    const other = new ExecutionEventRouter("key-9", (item) => unkeyed.push(item));
    other.accept(event("execution_queued", "first", { cid: "glyph://a@1" }));
    other.accept(event("execution_queued", "second", { cid: "glyph://a@1" }));
    other.accept(event("execution_complete", "first"));
    other.accept(event("execution_complete", "second"));
    expect(unkeyed).toEqual([]);
    await other.settle("second", true, 1000, new Promise(() => {}));
    other.accept(event("execution_started", "first"));
    expect(unkeyed.map((item) => [item.request_id, item.type])).toEqual([
      ["second", "execution_queued"],
      ["second", "execution_complete"],
    ]);
  });

  it("never delivers another execution's event, whatever the interleaving", async () => {
    const types = [
      "execution_queued",
      "execution_started",
      "execution_progress",
      "execution_complete",
    ];
    for (let seed = 1; seed <= 50; seed += 1) {
      const ids = ["mine", "a", "b", "c"];
      const queues = ids.map((id) =>
        types.map((type) =>
          event(
            type,
            id,
            type === "execution_queued" ? { cid: "glyph://a@1", idempotency_key: `key-${id}` } : {},
          ),
        ),
      );
      let state = seed;
      const next = () => {
        state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
        return state;
      };
      const delivered: ExecutionEvent[] = [];
      const router = new ExecutionEventRouter("key-mine", (item) => delivered.push(item));
      // The stream may have opened late: the first few events are never seen.
      const skipped = next() % 3;
      let seen = 0;
      while (queues.some((queue) => queue.length > 0)) {
        const open = queues.filter((queue) => queue.length > 0);
        const item = open[next() % open.length]!.shift()!;
        if (seen++ >= skipped) router.accept(item);
      }
      await router.settle("mine", false, 10, Promise.resolve());
      expect(
        delivered.every((item) => item.request_id === "mine"),
        `seed ${seed}`,
      ).toBe(true);
      expect(delivered.at(-1)?.type).toBe("execution_complete");
    }
  });

  it("waits for the terminal event at most graceMs, and at most until the stream ends", async () => {
    const router = new ExecutionEventRouter("key", () => {});
    router.accept(
      event("execution_queued", "mine", { cid: "glyph://a@1", idempotency_key: "key" }),
    );
    const started = Date.now();
    await router.settle("mine", true, 100, new Promise(() => {}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);

    const second = new ExecutionEventRouter("key", () => {});
    const settled = second.settle("mine", true, 10_000, new Promise(() => {}));
    setTimeout(() => second.accept(event("execution_error", "mine")), 20);
    await settled;

    const third = new ExecutionEventRouter("key", () => {});
    await third.settle("mine", true, 10_000, Promise.resolve());
  });

  it("never delivers an event after the terminal one, and stops when the callback throws", () => {
    const delivered: string[] = [];
    const router = new ExecutionEventRouter("key", (item) => {
      delivered.push(item.type);
      if (item.type === "execution_started") throw new Error("boom");
    });
    router.accept(
      event("execution_queued", "mine", { cid: "glyph://a@1", idempotency_key: "key" }),
    );
    router.accept(event("execution_started", "mine"));
    router.accept(event("execution_progress", "mine", { progress: 1 }));
    expect(delivered).toEqual(["execution_queued", "execution_started"]);
    expect(router.callbackError?.error).toEqual(new Error("boom"));
  });
});
