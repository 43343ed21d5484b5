import { z } from "zod";
import { executeRequestSchema } from "../schemas/execute-request.js";
import { executeResponseSchema } from "../schemas/execute-response.js";
import { eventsLostNoticeSchema, executionEventSchema } from "../schemas/execution-event.js";
import { problemSchema } from "../schemas/problem.js";

/** Longest operation id. @unit characters */
export const LONGEST_OPERATION_ID = 128;
/** Longest event id, request id or idempotency key in a `subscribe`. @unit characters */
const LONGEST_REFERENCE = 255;

/** An operation id the client chooses; unique among its operations in flight on a connection. */
export const operationIdSchema = z
  .string()
  .min(1)
  .max(LONGEST_OPERATION_ID)
  .meta({ description: "Client-chosen id of the operation, unique among those in flight." });

const reference = z.string().min(1).max(LONGEST_REFERENCE);

/**
 * Credentials of `connection_init`, one kind at a time: a bearer `token` (JWT), an `api_key`,
 * or the development identity (`user_id`, `session_id`) of `RELAY_AUTH=dev-headers`. Empty when
 * the upgrade request's headers carry them.
 */
export const connectionCredentialsSchema = z
  .object({
    /** A bearer token (`RELAY_AUTH=jwt`), as `Authorization: Bearer …` would carry it. */
    token: z.string().min(1).max(8192).optional(),
    /** An API key (`RELAY_AUTH=api-key`). */
    api_key: z.string().min(1).max(1024).optional(),
    /** The development identity's user (`RELAY_AUTH=dev-headers`). */
    user_id: z.string().min(1).max(128).optional(),
    /** The development identity's session. */
    session_id: z.string().min(1).max(128).optional(),
  })
  .strict()
  .meta({ description: "Credentials: token, api_key, or user_id (+ session_id)." });

/** Credentials of `connection_init`. */
export type ConnectionCredentials = z.infer<typeof connectionCredentialsSchema>;

/** First message of a connection: who is calling. */
export const connectionInitMessageSchema = z
  .object({
    type: z.literal("connection_init"),
    payload: connectionCredentialsSchema.optional(),
  })
  .strict()
  .meta({ description: "First message: the caller's credentials." });

/** Runs one execute request (the HTTP body) as operation `id`. */
export const executeMessageSchema = z
  .object({
    type: z.literal("execute"),
    id: operationIdSchema,
    /** The body of `POST /intent/execute-wasm` (validated by the pipeline: 400 as `error`). */
    request: executeRequestSchema,
  })
  .strict()
  .meta({ description: "Run an execute request (the HTTP body) as operation id." });

/** Stops operation `id`: an execution is cancelled wherever it runs, a subscription ends. */
export const cancelMessageSchema = z
  .object({ type: z.literal("cancel"), id: operationIdSchema })
  .strict()
  .meta({ description: "Cancel the execution (or end the subscription) of operation id." });

/** Follows the caller's own execution events, like `GET /intent/execute-wasm/events`. */
export const subscribeMessageSchema = z
  .object({
    type: z.literal("subscribe"),
    id: operationIdSchema,
    /** Only this execution; the subscription completes after its terminal event. */
    request_id: reference.optional(),
    /** Only the caller's execution sent under this idempotency key (subscribe before sending). */
    idempotency_key: reference.optional(),
    /** Resume after this event id (the `event_id` of an `event`), as `Last-Event-ID` does. */
    last_event_id: reference.optional(),
  })
  .strict()
  .meta({ description: "Follow the caller's own execution events, optionally resumed." });

/** Ends subscription `id`. */
export const unsubscribeMessageSchema = z
  .object({ type: z.literal("unsubscribe"), id: operationIdSchema })
  .strict()
  .meta({ description: "End subscription id." });

/** Asks for a `pong` (an application-level liveness check). */
export const pingMessageSchema = z
  .object({ type: z.literal("ping") })
  .strict()
  .meta({ description: "Ask for a pong." });

/** Every message a client may send, discriminated by `type`. */
export const clientMessageSchema = z.discriminatedUnion("type", [
  connectionInitMessageSchema,
  executeMessageSchema,
  cancelMessageSchema,
  subscribeMessageSchema,
  unsubscribeMessageSchema,
  pingMessageSchema,
]);

/** A message a client sends. */
export type ClientMessage = z.input<typeof clientMessageSchema>;

/**
 * What the server checks of a client message before acting: the envelope. An `execute`'s
 * `request` is left to the pipeline, so that a bad request is a 400 `error` (after the rate
 * limit, as over HTTP), not a protocol violation.
 */
export const clientEnvelopeSchema = z.discriminatedUnion("type", [
  connectionInitMessageSchema,
  executeMessageSchema.extend({ request: z.unknown() }),
  cancelMessageSchema,
  subscribeMessageSchema,
  unsubscribeMessageSchema,
  pingMessageSchema,
]);

/** A client message whose envelope is valid. */
export type ClientEnvelope = z.infer<typeof clientEnvelopeSchema>;

/** The server accepted the credentials: operations may follow. */
export const connectionAckMessageSchema = z
  .object({ type: z.literal("connection_ack") })
  .strict()
  .meta({ description: "Credentials accepted." });

/** One event of operation `id`: an execution event (with its bus id) or an `events_lost` notice. */
export const eventMessageSchema = z
  .object({
    type: z.literal("event"),
    id: operationIdSchema,
    /** The event body, as the SSE stream's `data`; or `events_lost` (events were dropped). */
    event: z.union([executionEventSchema, eventsLostNoticeSchema]),
    /** The event's id (resume after it with `subscribe.last_event_id`); absent on notices. */
    event_id: z.string().optional(),
  })
  .strict()
  .meta({ description: "An execution event of operation id, or an events_lost notice." });

/** The answer of execute operation `id`: the HTTP 200 body. Ends the operation. */
export const resultMessageSchema = z
  .object({
    type: z.literal("result"),
    id: operationIdSchema,
    /** The body `POST /intent/execute-wasm` answers with 200. */
    response: executeResponseSchema,
    /** Whether it is a replay of a recorded answer (`Idempotent-Replayed: true`). */
    replayed: z.boolean(),
  })
  .strict()
  .meta({ description: "The execute operation's HTTP 200 body; ends the operation." });

/** Operation `id` was refused or failed: the problem the HTTP route would answer. Ends it. */
export const errorMessageSchema = z
  .object({
    type: z.literal("error"),
    id: operationIdSchema,
    /** RFC 9457 problem, e.g. 429 with `retry_after`, 403 with `reason`. */
    problem: problemSchema,
  })
  .strict()
  .meta({ description: "The RFC 9457 problem the HTTP route would answer; ends the operation." });

/** Subscription `id` ended by itself (its execution finished) or was unsubscribed. */
export const completeMessageSchema = z
  .object({ type: z.literal("complete"), id: operationIdSchema })
  .strict()
  .meta({ description: "Subscription id ended." });

/** The answer to `ping`. */
export const pongMessageSchema = z
  .object({ type: z.literal("pong") })
  .strict()
  .meta({ description: "Answer to ping." });

/** Every message the server sends, discriminated by `type`. */
export const serverMessageSchema = z.discriminatedUnion("type", [
  connectionAckMessageSchema,
  eventMessageSchema,
  resultMessageSchema,
  errorMessageSchema,
  completeMessageSchema,
  pongMessageSchema,
]);

/** A message the server sends. */
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** Client message schemas by `type` (for documents: AsyncAPI, docs). */
export const clientMessageSchemas: Readonly<Record<ClientMessage["type"], z.ZodType>> = {
  connection_init: connectionInitMessageSchema,
  execute: executeMessageSchema,
  cancel: cancelMessageSchema,
  subscribe: subscribeMessageSchema,
  unsubscribe: unsubscribeMessageSchema,
  ping: pingMessageSchema,
} as const;

/** Server message schemas by `type` (for documents: AsyncAPI, docs). */
export const serverMessageSchemas: Readonly<Record<ServerMessage["type"], z.ZodType>> = {
  connection_ack: connectionAckMessageSchema,
  event: eventMessageSchema,
  result: resultMessageSchema,
  error: errorMessageSchema,
  complete: completeMessageSchema,
  pong: pongMessageSchema,
} as const;
