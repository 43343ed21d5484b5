import type { ExecutionPriority } from "@wasm-relay/core";

/** BullMQ's largest job priority (smaller runs first). */
const MAX_BULLMQ_PRIORITY = 2 ** 21;

/**
 * Width of each class's band of BullMQ priorities: a fair-share tag beyond it is clamped, so
 * that a class never spills into the next one (fairness then degrades to first come, first
 * served within the class until the queue drains once).
 */
export const PRIORITY_BAND = Math.floor(MAX_BULLMQ_PRIORITY / 3);

const CLASS_INDEX: Record<ExecutionPriority, number> = { high: 0, normal: 1, low: 2 };

/**
 * The BullMQ priority (1 runs first) of a job: its class's band (`high` before `normal` before
 * `low`), and within the band its fair-share tag; equal tags run first come, first served.
 * @param tag the job's fair-share start tag (a non-negative integer)
 */
export function jobPriority(priority: ExecutionPriority, tag: number): number {
  return CLASS_INDEX[priority] * PRIORITY_BAND + Math.min(Math.max(0, tag), PRIORITY_BAND - 1) + 1;
}
