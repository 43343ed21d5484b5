import type { ExecutionEvent } from "@wasm-relay/core";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BASE_URL, executed, problem, useMockServer } from "../../test/support/msw.js";
import { executionEvent, SseChannel } from "../../test/support/sse-channel.js";
import { createClient } from "../create-client.js";

const server = useMockServer();
const OURS = "1".repeat(64);
const THEIRS = "2".repeat(64);
const CID = "glyph://calculator@quantum";

/** One open event stream at a time, as the relay serves it to this user. */
function serveStream() {
  const state: { channel?: SseChannel; connections: number; nextId: number } = {
    connections: 0,
    nextId: 1,
  };
  server.use(
    http.get(`${BASE_URL}/intent/execute-wasm/events`, ({ request }) => {
      state.connections += 1;
      state.channel = new SseChannel(request.signal);
      state.channel.write("retry: 10\n\n");
      return new HttpResponse(state.channel.stream, {
        headers: { "content-type": "text/event-stream" },
      });
    }),
  );
  const emit = (event: Record<string, unknown>) => {
    state.channel?.event(String(state.nextId++), event);
  };
  return { state, emit };
}

const lifecycle = (requestId: string, cid: string) => [
  executionEvent("execution_queued", requestId, { cid, position: 0 }),
  executionEvent("execution_started", requestId, { executor_node: "n/1" }),
  executionEvent("execution_progress", requestId, { progress: 50 }),
  executionEvent("execution_complete", requestId, { success: true, duration: 1, gas_used: 5 }),
];

const client = () =>
  createClient({ baseUrl: BASE_URL, headers: { user_id: "ada" }, retry: { initialDelay: 1 } });

describe("execute with onEvent", () => {
  it("streams this execution's events, not the user's other executions'", async () => {
    const { state, emit } = serveStream();
    server.use(
      http.post(`${BASE_URL}/intent/execute-wasm`, async () => {
        const theirs = lifecycle(THEIRS, "glyph://other@latest");
        const ours = lifecycle(OURS, CID);
        // Interleaved with another execution of the same user.
        for (let index = 0; index < 4; index++) {
          emit(theirs[index]!);
          emit(ours[index]!);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        return HttpResponse.json(executed(8, OURS));
      }),
    );
    const events: ExecutionEvent[] = [];
    const result = await client().execute(
      { cid: CID, inputs: [5, 3] },
      { onEvent: (event) => events.push(event) },
    );
    expect(result.request_id).toBe(OURS);
    expect(events.map((event) => [event.type, event.request_id])).toEqual([
      ["execution_queued", OURS],
      ["execution_started", OURS],
      ["execution_progress", OURS],
      ["execution_complete", OURS],
    ]);
    expect(state.connections).toBe(1);
    await state.channel!.closed;
  });

  it("waits for the terminal event when it arrives after the result", async () => {
    const { emit } = serveStream();
    server.use(
      http.post(`${BASE_URL}/intent/execute-wasm`, () => {
        const ours = lifecycle(OURS, CID);
        emit(ours[0]!);
        setTimeout(() => {
          emit(ours[1]!);
          emit(ours[3]!);
        }, 150);
        return HttpResponse.json(executed(8, OURS));
      }),
    );
    const events: ExecutionEvent[] = [];
    await client().execute({ cid: CID, inputs: [] }, { onEvent: (event) => events.push(event) });
    expect(events.map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
  });

  it("settles on the result's request_id when another execution of the same module came first", async () => {
    const { emit } = serveStream();
    server.use(
      http.post(`${BASE_URL}/intent/execute-wasm`, async () => {
        const theirs = lifecycle(THEIRS, CID);
        const ours = lifecycle(OURS, CID);
        emit(theirs[0]!);
        emit(ours[0]!);
        emit(ours[1]!);
        await new Promise((resolve) => setTimeout(resolve, 20));
        setTimeout(() => emit(ours[3]!), 50);
        return HttpResponse.json(executed(8, OURS));
      }),
    );
    const events: ExecutionEvent[] = [];
    await client().execute({ cid: CID }, { onEvent: (event) => events.push(event) });
    // The other execution was followed first (same module); the result put it right.
    expect(events.filter((event) => event.request_id === OURS).map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
  });

  it("does not wait for events of a replay", async () => {
    const { emit } = serveStream();
    server.use(
      http.post(`${BASE_URL}/intent/execute-wasm`, () => {
        // Were the client waiting for a terminal event, this one would reach onEvent.
        setTimeout(() => emit(lifecycle(OURS, CID)[3]!), 300);
        return HttpResponse.json(executed(8, OURS), { headers: { "Idempotent-Replayed": "true" } });
      }),
    );
    const events: ExecutionEvent[] = [];
    const result = await client().execute({ cid: CID }, { onEvent: (event) => events.push(event) });
    expect(result.meta.replayed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events).toEqual([]);
  });

  it("still returns the result when the event stream is refused", async () => {
    server.use(
      http.get(`${BASE_URL}/intent/execute-wasm/events`, () =>
        HttpResponse.json(problem(404, "not-found", "Not found"), { status: 404 }),
      ),
      http.post(`${BASE_URL}/intent/execute-wasm`, () => HttpResponse.json(executed(8, OURS))),
    );
    const events: ExecutionEvent[] = [];
    const result = await client().execute({ cid: CID }, { onEvent: (event) => events.push(event) });
    expect(result.success).toBe(true);
    expect(events).toEqual([]);
  });

  it("rejects with what onEvent threw, once the request settled", async () => {
    const { emit } = serveStream();
    let posted = 0;
    server.use(
      http.post(`${BASE_URL}/intent/execute-wasm`, () => {
        posted += 1;
        for (const event of lifecycle(OURS, CID)) emit(event);
        return HttpResponse.json(executed(8, OURS));
      }),
    );
    const failure = new Error("callback failed");
    await expect(
      client().execute(
        { cid: CID },
        {
          onEvent: () => {
            throw failure;
          },
        },
      ),
    ).rejects.toBe(failure);
    expect(posted).toBe(1);
  });
});
