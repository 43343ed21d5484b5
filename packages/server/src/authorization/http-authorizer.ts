import type {
  AuthorizationDecision,
  AuthorizationRequest,
  Authorizer,
  JsonValue,
  Metrics,
  Policy,
} from "@wasm-relay/core";
import { canonicalJson, noopMetrics } from "@wasm-relay/core";
import { z } from "zod";
import { createDecisionCache } from "./decision-cache.js";

/** Reason of every fail-closed denial. */
export const AUTHORIZER_UNAVAILABLE = "authorizer_unavailable";

/** Counter of fail-closed denials, labelled `reason`: `timeout`, `unreachable`, `status`, `malformed`. */
export const AUTHORIZER_UNAVAILABLE_METRIC = "relay.authorizer.unavailable";

/** Counter of decisions answered from the cache. */
export const AUTHORIZER_CACHE_HIT_METRIC = "relay.authorizer.cache_hit";

/** Options of {@link createHttpAuthorizer}. */
export interface HttpAuthorizerOptions {
  /** The decision point (`RELAY_AUTHORIZER_URL`). */
  url: string;
  /**
   * `plain` posts the input and reads `{allowed, reason}`; `opa` posts `{input}` and reads
   * `{result}` (Open Policy Agent's data API); `auto` picks `opa` when the path holds
   * `/v1/data/`. @default "auto"
   */
  format?: "auto" | "plain" | "opa";
  /** Longest wait for an answer, body included. @unit milliseconds @default 1000 */
  timeoutMs?: number;
  /** How long a decision is reused for an identical input; 0 disables. @unit milliseconds @default 5000 */
  cacheTtlMs?: number;
  /** Most cached decisions. @default 10000 */
  cacheCapacity?: number;
  /** Sent as `Authorization: Bearer <token>`, when set. */
  token?: string | undefined;
  /** Receives {@link AUTHORIZER_UNAVAILABLE_METRIC} and {@link AUTHORIZER_CACHE_HIT_METRIC}. @default no-op */
  metrics?: Metrics;
}

const decisionSchema = z.object({
  allowed: z.boolean(),
  reason: z.string().optional(),
  policy: z
    .object({
      max_memory: z.number().int().positive().optional(),
      max_gas: z.number().int().positive().optional(),
      max_time: z.number().int().positive().optional(),
    })
    .optional(),
});

class Unavailable extends Error {
  constructor(readonly kind: "timeout" | "unreachable" | "status" | "malformed") {
    super(kind);
  }
}

/**
 * "Antigone" as a remote decision point: POSTs the authorization input as JSON and reads the
 * decision. Every call is time-boxed; a timeout, a network error, an unexpected status or an
 * unreadable answer denies with reason {@link AUTHORIZER_UNAVAILABLE} (fail closed) and counts
 * {@link AUTHORIZER_UNAVAILABLE_METRIC}. Decisions are cached for a short TTL, keyed by the
 * canonical JSON of the whole input (user, roles, action, resource, session, policy); failures
 * are never cached. A returned `policy` can only tighten the request's.
 */
export function createHttpAuthorizer(options: HttpAuthorizerOptions): Authorizer {
  const url = new URL(options.url);
  const opa =
    options.format === "opa" ||
    ((options.format ?? "auto") === "auto" && url.pathname.includes("/v1/data/"));
  const timeoutMs = options.timeoutMs ?? 1000;
  const metrics = options.metrics ?? noopMetrics;
  const cache = createDecisionCache<AuthorizationDecision>({
    ttlMs: options.cacheTtlMs ?? 5000,
    capacity: options.cacheCapacity ?? 10_000,
  });
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json",
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
  };

  async function ask(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    const input = request as unknown as JsonValue;
    let body: unknown;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify(opa ? { input } : input),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
      // A plain decision point may answer a denial with 403 and a decision body.
      if (!response.ok && response.status !== 403) {
        await response.body?.cancel();
        throw new Unavailable("status");
      }
      try {
        body = await response.json();
      } catch (error) {
        if (isTimeout(error)) throw new Unavailable("timeout");
        throw new Unavailable("malformed");
      }
    } catch (error) {
      if (error instanceof Unavailable) throw error;
      throw new Unavailable(isTimeout(error) ? "timeout" : "unreachable");
    }
    let answer: unknown = body;
    if (opa) {
      const result = (body as { result?: unknown } | null)?.result;
      answer = typeof result === "boolean" ? { allowed: result } : result;
    }
    const parsed = decisionSchema.safeParse(answer);
    if (!parsed.success) throw new Unavailable("malformed");
    const decision = parsed.data;
    if (!decision.allowed) {
      return {
        allowed: false,
        reason: (decision.reason || "denied by the authorizer").slice(0, 500),
      };
    }
    const requested = request.context.policy;
    return requested && decision.policy
      ? { allowed: true, policy: tighten(requested, decision.policy) }
      : { allowed: true };
  }

  return {
    async authorize(request) {
      let fresh = false;
      try {
        const decision = await cache.get(
          canonicalJson(request as unknown as JsonValue),
          async () => {
            fresh = true;
            return { value: await ask(request), keep: true };
          },
        );
        if (!fresh) metrics.increment(AUTHORIZER_CACHE_HIT_METRIC);
        return decision;
      } catch (error) {
        const kind = error instanceof Unavailable ? error.kind : "unreachable";
        metrics.increment(AUTHORIZER_UNAVAILABLE_METRIC, { reason: kind });
        return { allowed: false, reason: AUTHORIZER_UNAVAILABLE };
      }
    },
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function tighten(requested: Policy, returned: Partial<Policy>): Policy {
  return {
    max_memory: Math.min(requested.max_memory, returned.max_memory ?? requested.max_memory),
    max_gas: Math.min(requested.max_gas, returned.max_gas ?? requested.max_gas),
    max_time: Math.min(requested.max_time, returned.max_time ?? requested.max_time),
  };
}
