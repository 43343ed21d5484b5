import type { BusMessage, ExecutionEvent } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { eventInScope, latestExecution } from "./execution-event-scope.js";

const at = "2026-01-01T00:00:00.000Z";
const queued = (requestId: string): ExecutionEvent => ({
  type: "execution_queued",
  request_id: requestId,
  timestamp: at,
  cid: "glyph://calculator@quantum",
  position: 0,
});
const message = (userId: string, event: unknown): BusMessage => ({
  id: "1-0",
  topic: "wasm_exec_events",
  payload: { user_id: userId, event } as never,
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
  });
});
