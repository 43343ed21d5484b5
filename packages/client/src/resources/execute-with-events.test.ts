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

/** One execution's events; `execution_queued` echoes the call's key when it sent one. */
const lifecycle = (requestId: string, cid: string, idempotencyKey?: string) => [
  executionEvent("execution_queued", requestId, {
    cid,
    position: 0,
    ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
  }),
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
      http.post(`${BASE_URL}/intent/execute-wasm`, async ({ request }) => {
        const theirs = lifecycle(THEIRS, "glyph://other@latest", "their-key");
        const ours = lifecycle(OURS, CID, request.headers.get("idempotency-key") ?? undefined);
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

  it("never hands over another execution of the same module, with or without a key of its own, queued first", async () => {
    for (const theirKey of [undefined, "their-key"]) {
      const { emit } = serveStream();
      server.use(
        http.post(`${BASE_URL}/intent/execute-wasm`, async ({ request }) => {
          // Another call of the same user and module (e.g. sent with curl, without a key).
          const theirs = lifecycle(THEIRS, CID, theirKey);
          const ours = lifecycle(OURS, CID, request.headers.get("idempotency-key") ?? undefined);
          emit(theirs[0]!);
          emit(theirs[1]!);
          emit(ours[0]!);
          emit(ours[1]!);
          emit(theirs[2]!);
          await new Promise((resolve) => setTimeout(resolve, 20));
          setTimeout(() => {
            emit(theirs[3]!);
            emit(ours[3]!);
          }, 50);
          return HttpResponse.json(executed(8, OURS));
        }),
      );
      const events: ExecutionEvent[] = [];
      await client().execute({ cid: CID }, { onEvent: (event) => events.push(event) });
      expect(events.map((event) => [event.type, event.request_id])).toEqual([
        ["execution_queued", OURS],
        ["execution_started", OURS],
        ["execution_complete", OURS],
      ]);
    }
  });

  it("two concurrent executions of the same user and module: each onEvent sees its own execution only", async () => {
    const channels = new Set<SseChannel>();
    let nextId = 1;
    const broadcast = (event: Record<string, unknown>) => {
      const id = String(nextId++);
      for (const channel of channels) channel.event(id, event);
    };
    let posted = 0;
    let bothPosted!: () => void;
    const bothArrived = new Promise<void>((resolve) => {
      bothPosted = resolve;
    });
    server.use(
      http.get(`${BASE_URL}/intent/execute-wasm/events`, ({ request }) => {
        const channel = new SseChannel(request.signal);
        channels.add(channel);
        void channel.closed.then(() => channels.delete(channel));
        channel.write("retry: 10\n\n");
        return new HttpResponse(channel.stream, {
          headers: { "content-type": "text/event-stream" },
        });
      }),
      http.post(`${BASE_URL}/intent/execute-wasm`, async ({ request }) => {
        const body = (await request.json()) as { inputs: number[] };
        const requestId = body.inputs[0] === 1 ? OURS : THEIRS;
        posted += 1;
        if (posted === 2) bothPosted();
        await bothArrived;
        const events = lifecycle(requestId, CID, request.headers.get("idempotency-key") ?? "");
        // Both calls' events reach both streams: the user's stream carries all of them.
        for (const [index, event] of events.entries()) {
          await new Promise((resolve) => setTimeout(resolve, 5 + (requestId === OURS ? 0 : 2)));
          if (index < 3) broadcast(event);
          else setTimeout(() => broadcast(event), 30);
        }
        return HttpResponse.json(executed(body.inputs[0], requestId));
      }),
    );
    const first: ExecutionEvent[] = [];
    const second: ExecutionEvent[] = [];
    const relay = client();
    const [one, two] = await Promise.all([
      relay.execute({ cid: CID, inputs: [1] }, { onEvent: (event) => first.push(event) }),
      relay.execute({ cid: CID, inputs: [2] }, { onEvent: (event) => second.push(event) }),
    ]);
    expect(one.request_id).toBe(OURS);
    expect(two.request_id).toBe(THEIRS);
    const lifecycleTypes = [
      "execution_queued",
      "execution_started",
      "execution_progress",
      "execution_complete",
    ];
    expect(first.map((event) => event.request_id)).toEqual([OURS, OURS, OURS, OURS]);
    expect(first.map((event) => event.type)).toEqual(lifecycleTypes);
    expect(second.map((event) => event.request_id)).toEqual([THEIRS, THEIRS, THEIRS, THEIRS]);
    expect(second.map((event) => event.type)).toEqual(lifecycleTypes);
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
