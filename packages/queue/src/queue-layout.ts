/** Options that place a queue in Redis. */
export interface QueueLayoutOptions {
  /** BullMQ queue name. @default "executions" */
  queueName?: string | undefined;
  /** Prefix of every key of the queue (BullMQ's `prefix`). @default "relay:queue" */
  prefix?: string | undefined;
}

/**
 * Where a queue lives in Redis: BullMQ's own keys (`<prefix>:<queueName>:…`) and the keys the
 * relay adds around them (fair shares, heartbeats, cancellation, module hand-off), all under
 * the same `<prefix>:<queueName>:` so that one prefix isolates a deployment (or a test).
 */
export interface QueueLayout {
  /** BullMQ queue name. */
  readonly queueName: string;
  /** BullMQ `prefix`. */
  readonly prefix: string;
  /** BullMQ's sorted set of waiting jobs that have a priority (all of ours). */
  readonly prioritizedKey: string;
  /** BullMQ's list of waiting jobs without a priority. */
  readonly waitKey: string;
  /** Hash: per-class virtual clocks and per-user last tags of the fair-share scheduler. */
  readonly fairKey: string;
  /** Hash: job id → user, for jobs admitted that have not started yet. */
  readonly pendingKey: string;
  /** Hash: user → number of their jobs admitted that have not started yet. */
  readonly userWaitingKey: string;
  /** Sorted set: job id → when it was admitted (epoch ms, Redis clock), while it waits. */
  readonly waitingSinceKey: string;
  /** Sorted set: worker node name → time of its last heartbeat (epoch ms). */
  readonly workersKey: string;
  /** Pub/sub channel on which relays ask workers to stop a running job (message: job id). */
  readonly cancelChannel: string;
  /** The key of the module bytes handed to workers for a CID. */
  moduleKey(cid: string): string;
}

/** Computes the {@link QueueLayout} of a queue name and prefix. */
export function queueLayout(options: QueueLayoutOptions = {}): QueueLayout {
  const queueName = options.queueName ?? "executions";
  const prefix = options.prefix ?? "relay:queue";
  const base = `${prefix}:${queueName}`;
  return {
    queueName,
    prefix,
    prioritizedKey: `${base}:prioritized`,
    waitKey: `${base}:wait`,
    fairKey: `${base}:relay:fair`,
    pendingKey: `${base}:relay:pending`,
    userWaitingKey: `${base}:relay:user-waiting`,
    waitingSinceKey: `${base}:relay:waiting-since`,
    workersKey: `${base}:relay:workers`,
    cancelChannel: `${base}:relay:cancel`,
    moduleKey: (cid) => `${base}:relay:module:${cid}`,
  };
}
