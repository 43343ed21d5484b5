import { z } from "zod";
import { executionErrorSchema } from "./execution-error.js";
import { jsonValueSchema } from "./json-value.js";

const eventBase = {
  /** Execution the event belongs to. */
  request_id: z.string(),
  /** When the event was produced (ISO 8601). */
  timestamp: z.iso.datetime(),
};

/** The execution waits for a free executor. */
export const executionQueuedSchema = z.object({
  type: z.literal("execution_queued"),
  ...eventBase,
  cid: z.string(),
  /**
   * The idempotency key the caller sent, when it sent one: lets a client that chose the key
   * recognise its own execution before the answer (and its `request_id`) arrives.
   */
  idempotency_key: z.string().optional(),
  /** 1-based position in the executor's queue. */
  position: z.number().int().nonnegative(),
});

/** The module started running. */
export const executionStartedSchema = z.object({
  type: z.literal("execution_started"),
  ...eventBase,
  /** Which executor runs it (host and worker). */
  executor_node: z.string(),
});

/** Share of the gas budget spent so far. */
export const executionProgressSchema = z.object({
  type: z.literal("execution_progress"),
  ...eventBase,
  /** Percentage of `max_gas` spent, 0–100. */
  progress: z.number().min(0).max(100),
});

/** The execution finished (successfully or not: see `success`). */
export const executionCompleteSchema = z.object({
  type: z.literal("execution_complete"),
  ...eventBase,
  success: z.boolean(),
  /** @unit milliseconds */
  duration: z.number().nonnegative(),
  gas_used: z.number().int().nonnegative().nullable(),
  output: jsonValueSchema.optional(),
  error: executionErrorSchema.optional(),
  /** `true` when the result came from the result cache (nothing ran for this request). */
  cached: z.literal(true).optional(),
});

/** The execution could not be carried out (module missing, executor unavailable…). */
export const executionErrorEventSchema = z.object({
  type: z.literal("execution_error"),
  ...eventBase,
  error: z.object({ code: z.string(), message: z.string() }),
});

/** Any execution event, discriminated by `type`. */
export const executionEventSchema = z.discriminatedUnion("type", [
  executionQueuedSchema,
  executionStartedSchema,
  executionProgressSchema,
  executionCompleteSchema,
  executionErrorEventSchema,
]);

/** Any execution event, discriminated by `type`. */
export type ExecutionEvent = z.infer<typeof executionEventSchema>;

/** The `type` of an execution event. */
export type ExecutionEventType = ExecutionEvent["type"];

/**
 * Data of the `events_lost` notice of the event stream: the `Last-Event-ID` a client resumed
 * from is older than what the relay retains, so events in between cannot be delivered.
 */
export const eventsLostNoticeSchema = z.object({
  type: z.literal("events_lost"),
  /** The id the client asked to resume after. */
  last_event_id: z.string(),
  /** Human-readable explanation. */
  message: z.string(),
});

/** Data of the `events_lost` notice of the event stream. */
export type EventsLostNotice = z.infer<typeof eventsLostNoticeSchema>;
