import { METRIC_NAMES } from "../../ports/metrics.js";

import { deterministicSeed, resultCacheKey } from "../../result-cache/question-identity.js";
import { answerFromRecord, cacheableRun, withRun } from "../../result-cache/result-cache-policy.js";
import type {
  CacheQuestion,
  ExecutedContext,
  LookedUpContext,
  PipelinePorts,
  RunnableContext,
} from "./pipeline-context.js";

type CachePorts = Pick<
  PipelinePorts,
  "config" | "clock" | "metrics" | "fingerprinter" | "resultCache"
>;

/** First and longest pause between two looks at a question another relay is running. @unit milliseconds */
const FIRST_POLL_MS = 5;
const LONGEST_POLL_MS = 100;

/** Runs a cache call; a failing cache is counted and skipped (undefined), never thrown. */
async function tolerant<T>(ports: CachePorts, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch {
    ports.metrics.increment(METRIC_NAMES.cacheUnavailable);
    return undefined;
  }
}

/**
 * Step 8a, after the idempotency gate and authorization (so a refused caller learns nothing):
 * gives the run its deterministic seed (from the module's fingerprint, entry, ABI and inputs;
 * the CID stands in for a module the fingerprinter cannot read) and, for a cacheable request
 * (deterministic, `cache` not false, a cache configured), asks the result cache:
 * - a record that answers the request under its policy: a hit (`cached`, nothing runs);
 * - else the first caller claims the question and runs it; the others wait (polling, up to
 *   `resultCacheWaitMs` and the claim's length) for its result, then run themselves.
 * A cache that fails is skipped: the request runs as if there were none.
 */
export async function lookUpResult(
  ports: CachePorts,
  context: RunnableContext,
): Promise<LookedUpContext | ExecutedContext> {
  const { request, module } = context;
  let identity = module.cid;
  try {
    identity = await ports.fingerprinter.fingerprint(module);
  } catch {
    // An unreadable module keeps its CID: the executor will say what is wrong with it.
  }
  const seed = await deterministicSeed({
    module: identity,
    entry: request.entry,
    abi: request.abi,
    inputs: request.inputs,
  });
  const cache = ports.resultCache;
  if (!cache || request.cache === false || request.deterministic === false) {
    return Object.assign(context, { seed, question: undefined });
  }
  const key = resultCacheKey(seed, ports.config.resultCacheScope);
  const policy = context.authorizedPolicy;
  const holdMs = policy.max_time + ports.config.idempotencyMarginMs;
  const deadline = ports.clock.now() + Math.min(ports.config.resultCacheWaitMs, holdMs);
  let pause = FIRST_POLL_MS;
  for (;;) {
    const record = await tolerant(ports, () => cache.get(key));
    const answer = record && answerFromRecord(record, policy);
    if (answer) {
      ports.metrics.increment(METRIC_NAMES.cacheHit);
      const response = {
        ...answer,
        request_id: context.requestId,
        resolved_cid: module.cid,
        cached: true as const,
      };
      return Object.assign(context, { seed, question: undefined, response, cached: true });
    }
    const claim = await tolerant(ports, () =>
      cache.claim(key, holdMs).then((token) => ({ token })),
    );
    // A failing cache, a claim of our own, or a wait that is over: run.
    if (
      !claim ||
      claim.token !== undefined ||
      ports.clock.now() >= deadline ||
      context.options.signal?.aborted
    ) {
      ports.metrics.increment(METRIC_NAMES.cacheMiss);
      return Object.assign(context, { seed, question: { key, claimToken: claim?.token } });
    }
    await ports.clock.sleep(Math.min(pause, Math.max(1, deadline - ports.clock.now())));
    pause = Math.min(pause * 2, LONGEST_POLL_MS);
  }
}

/**
 * Step 8b: keeps a cacheable run's result (merged into the question's record, for
 * `resultCacheTtlMs`) and gives the claim up. A failing cache is skipped.
 */
export async function keepResult(ports: CachePorts, context: ExecutedContext): Promise<void> {
  const { question } = context;
  const cache = ports.resultCache;
  if (!question || !cache) return;
  const kept = cacheableRun(context.response, context.authorizedPolicy, context.peakMemory);
  if (kept) {
    const previous = await tolerant(ports, () => cache.get(question.key));
    const record = withRun(previous, kept.slot, kept.run);
    await tolerant(ports, () => cache.set(question.key, record, ports.config.resultCacheTtlMs));
  }
  await releaseQuestion(ports, question);
}

/** Gives a single-flight claim up (when the run ended without a result, or after keeping it). */
export async function releaseQuestion(
  ports: Pick<CachePorts, "metrics" | "resultCache">,
  question: CacheQuestion | undefined,
): Promise<void> {
  const cache = ports.resultCache;
  const token = question?.claimToken;
  if (!cache || !question || token === undefined) return;
  await tolerant(ports as CachePorts, () => cache.release(question.key, token));
}

/** Whether a looked-up context was answered from the cache. */
export function isCacheHit(context: LookedUpContext | ExecutedContext): context is ExecutedContext {
  return "cached" in context && context.cached === true;
}
