import { describe, expect, it } from "vitest";
import type { BusMessage } from "../ports/event-bus.js";
import type { ExecutionEvent } from "../schemas/execution-event.js";
import { eventInScope, latestExecution } from "./execution-event-scope.js";

const at = "2026-01-01T00:00:00.000Z";
const queued = (requestId: string): ExecutionEvent => ({
  type: "execution_queued",
  request_id: requestId,
  timestamp: at,
  cid: "glyph://calculator@quantum",
  position: 0,
});
const message = (userId: string, event: unknown, idempotencyKey?: string): BusMessage => ({
  id: "1-0",
  topic: "wasm_exec_events",
  payload: { user_id: userId, idempotency_key: idempotencyKey, event } as never,
});
const alice = { identity: { userId: "alice", roles: [] } };

describe("eventInScope", () => {
  it("shows users their own events only, admins everyone's", () => {
    expect(eventInScope(message("alice", queued("r")), alice)).toEqual(queued("r"));
    expect(eventInScope(message("bob", queued("r")), alice)).toBeUndefined();
    const admin = { identity: { userId: "root", roles: ["admin"] } };
    expect(eventInScope(message("bob", queued("r")), admin)).toEqual(queued("r"));
  });

  it("narrows to one request id and ignores malformed payloads", () => {
    expect(
      eventInScope(message("alice", queued("a")), { ...alice, requestId: "b" }),
    ).toBeUndefined();
    expect(eventInScope(message("alice", queued("b")), { ...alice, requestId: "b" })).toBeDefined();
    for (const payload of [null, 3, [], { user_id: "alice" }, { user_id: "alice", event: {} }]) {
      expect(
        eventInScope({ id: "1", topic: "t", payload: payload as never }, alice),
      ).toBeUndefined();
    }
  });

  it("narrows to the caller's own executions sent with an idempotency key, even for an admin", () => {
    const keyed = { ...alice, idempotencyKey: "k" };
    expect(eventInScope(message("alice", queued("r"), "k"), keyed)).toEqual(queued("r"));
    expect(eventInScope(message("alice", queued("r"), "other"), keyed)).toBeUndefined();
    expect(eventInScope(message("alice", queued("r")), keyed)).toBeUndefined();
    const admin = { identity: { userId: "root", roles: ["admin"] }, idempotencyKey: "k" };
    expect(eventInScope(message("bob", queued("r"), "k"), admin)).toBeUndefined();
    expect(eventInScope(message("root", queued("r"), "k"), admin)).toBeDefined();
  });
});

describe("latestExecution", () => {
  it("keeps the events from the last execution_queued on, or all without one", () => {
    const progress: ExecutionEvent = {
      type: "execution_progress",
      request_id: "r",
      timestamp: at,
      progress: 10,
    };
    const items = [queued("r"), progress, queued("r"), progress].map((event, n) => ({ event, n }));
    expect(latestExecution(items).map((item) => item.n)).toEqual([2, 3]);
    expect(latestExecution(items.slice(1, 2)).map((item) => item.n)).toEqual([1]);
    expect(latestExecution([])).toEqual([]);
    // An idempotency key's replay may hold an older request: only the latest run's request id.
    const other = { ...progress, request_id: "older" };
    const mixed = [queued("r"), other, progress].map((event, n) => ({ event, n }));
    expect(latestExecution(mixed).map((item) => item.n)).toEqual([0, 2]);
  });
});
