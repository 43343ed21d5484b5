import { resolvePolicy } from "../../policy/resolve-policy.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { executeRequestSchema } from "../../schemas/execute-request.js";
import type { JsonBounds } from "../../schemas/json-value.js";
import { findJsonBoundsViolation } from "../../schemas/json-value.js";
import type { ProblemDetail } from "../../schemas/problem.js";
import { zodIssuesToDetails } from "../zod-issues.js";
import {
  type AdmittedContext,
  type PipelinePorts,
  type Stop,
  stop,
  type ValidatedContext,
} from "./pipeline-context.js";

/** The problem detail of `inputs` that pass a bound of their shape, if they do. */
export function inputBoundsDetail(body: unknown, bounds: JsonBounds): ProblemDetail | undefined {
  if (body === null || typeof body !== "object" || !("inputs" in body)) return undefined;
  const violation = findJsonBoundsViolation(body.inputs, bounds);
  if (!violation) return undefined;
  return violation.bound === "depth"
    ? {
        path: "inputs",
        message: `must not nest arrays and objects deeper than ${violation.limit} levels (the input depth limit, RELAY_MAX_INPUT_DEPTH on the server)`,
        code: "too_deep",
      }
    : {
        path: "inputs",
        message: `must hold at most ${violation.limit} values, counting every array, object, member and element (the input size limit, RELAY_MAX_INPUT_VALUES on the server)`,
        code: "too_big",
      };
}

/**
 * Step 2: validates the body. First the shape of `inputs` against the input bounds, without
 * recursion (the schema recurses), then the schema, then that the body's `idempotency_key`
 * agrees with the header, then the policy within the relay's bounds. Anything wrong stops as
 * `invalid` with the details.
 */
export function validateRequest(
  ports: Pick<PipelinePorts, "config" | "metrics">,
  context: AdmittedContext,
): ValidatedContext | Stop {
  const invalid = (details: ProblemDetail[]) => {
    ports.metrics.increment(METRIC_NAMES.invalidRequest);
    return stop({ kind: "invalid", details });
  };
  const bounds = inputBoundsDetail(context.body, ports.config.inputBounds);
  if (bounds) return invalid([bounds]);
  const parsed = executeRequestSchema.safeParse(context.body);
  if (!parsed.success) return invalid(zodIssuesToDetails(parsed.error));
  const request = parsed.data;
  const header = context.options.idempotencyKey;
  if (
    request.idempotency_key !== undefined &&
    header !== undefined &&
    request.idempotency_key !== header
  ) {
    return invalid([
      {
        path: "idempotency_key",
        message: "differs from the Idempotency-Key header; send one or make them equal",
      },
    ]);
  }
  const policyResolution = resolvePolicy(request.policy, ports.config.policy);
  if (!policyResolution.ok) return invalid(policyResolution.details);
  return Object.assign(context, {
    request,
    explicitKey: request.idempotency_key ?? header,
    policy: policyResolution.policy,
  });
}
