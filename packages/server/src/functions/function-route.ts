import type { IncomingMessage } from "node:http";
import type { Authorizer, Identity, Relay, RelayOutcome } from "@wasm-relay/core";
import { httpProblem } from "../http/http-problem.js";
import { idempotencyKeyHeader } from "../http/idempotency-key-header.js";
import { readBody } from "../http/read-json-body.js";
import type { RouteHandler } from "../http/route-table.js";
import { shuttingDownProblem } from "../http/shutting-down.js";
import type { Authenticator } from "../identity/authenticator.js";
import { cgiEnvironment } from "./cgi-environment.js";
import type { CgiResponseLimits } from "./cgi-response.js";
import { parseFunctionAddress } from "./function-address.js";
import { writeFunctionAnswer } from "./function-answer.js";
import type { FunctionModuleKind } from "./function-module-kind.js";
import { policyFromQuery } from "./function-policy-query.js";
import {
  FUNCTION_METHODS,
  type FunctionMethod,
  type FunctionSettings,
} from "./function-settings.js";
import type { FunctionSettingsStore } from "./function-settings-store.js";
import { numericArguments } from "./numeric-arguments.js";

/** The role of a caller who sent no credentials to a function that allows anonymous calls. */
export const ANONYMOUS_ROLE = "anonymous";

/** What a function endpoint is built from. */
export interface FunctionRouteOptions {
  /** The pipeline every call goes through (as `invoke_function`). */
  relay: Relay;
  authenticator: Authenticator;
  /** Asked before the module is looked at, so that a refused caller makes the relay fetch nothing. */
  authorizer: Authorizer;
  /** The kind of the module a reference names (see `createFunctionModuleKinds`). */
  moduleKind(reference: string, signal?: AbortSignal): Promise<FunctionModuleKind | undefined>;
  /** The owners' per-tag settings. */
  settings: FunctionSettingsStore;
  /** `RELAY_MAX_BODY_BYTES`. @unit bytes */
  maxBodyBytes: number;
  /** Whether callers without credentials may invoke a tag whose settings do not say. */
  anonymousByDefault: boolean;
  /** Bounds of a CGI response's header block. @default DEFAULT_CGI_RESPONSE_LIMITS */
  cgiLimits?: CgiResponseLimits | undefined;
}

/** Whether the request carries any credential an authenticator reads. */
function sentCredentials(request: IncomingMessage): boolean {
  const headers = request.headers;
  return (
    headers.authorization !== undefined ||
    headers.user_id !== undefined ||
    headers["user-id"] !== undefined
  );
}

function methodNotAllowed(method: string, allowed: readonly FunctionMethod[]) {
  const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : [])].join(", ");
  return httpProblem(
    405,
    "method-not-allowed",
    "Method not allowed",
    { detail: `${method} is not allowed on this function; use ${allow}` },
    { Allow: allow },
  );
}

/**
 * `/fn/{name}@{tag}/…`: a glyph tag served as an HTTP endpoint. Authenticates the caller (or,
 * when it sends no credentials and the tag allows it, calls it `anonymous:<address>` with the
 * role `anonymous`), asks the authorizer about `invoke_function` on `glyph://name@tag` before
 * anything is resolved, tells a numeric module from a WASI command, builds the execute request
 * (numeric: `POST /fn/name@tag/{entry}` with the arguments as the body and the policy in the
 * query; WASI: the CGI environment and the body, policy from the tag's settings) and runs it
 * through the relay's pipeline as `invoke_function`: rate limit, validation, idempotency,
 * authorization, events, metrics and whatever else the pipeline does apply as they do to the
 * execute route.
 * @throws HttpProblem 400 for a malformed glyph, query or body, 401 without valid credentials,
 *   404 for a numeric call without an entry, 405 for a method the tag does not allow, 413 for
 *   a body over `maxBodyBytes`.
 */
export function functionRoute(options: FunctionRouteOptions): RouteHandler {
  return async ({ request, response, url, signal }) => {
    const method = (request.method ?? "GET").toUpperCase();
    const address = parseFunctionAddress(url.pathname);
    const settings: FunctionSettings =
      (await options.settings.get(address.name, address.tag)) ?? {};
    let identity: Identity;
    if (!sentCredentials(request) && (settings.anonymous ?? options.anonymousByDefault)) {
      const remote = request.socket.remoteAddress ?? "unknown";
      identity = { userId: `anonymous:${remote}`, roles: [ANONYMOUS_ROLE] };
    } else {
      identity = await options.authenticator.authenticate(request.headers);
    }
    const idempotencyKey = idempotencyKeyHeader(request);
    const execute = async (body: unknown): Promise<RelayOutcome> => {
      try {
        return await options.relay.execute(body, identity, {
          idempotencyKey,
          signal,
          action: "invoke_function",
        });
      } catch (error) {
        if (signal.aborted) throw shuttingDownProblem();
        throw error;
      }
    };
    const write = (outcome: RelayOutcome, kind: FunctionModuleKind) =>
      writeFunctionAnswer(response, outcome, {
        kind,
        windowMs: options.relay.config.rateLimit.windowMs,
        headOnly: method === "HEAD",
        cgiLimits: options.cgiLimits,
      });

    // Authorization first, so that a refused caller costs no resolution. A refusal is still
    // answered by the pipeline, which counts it against the rate limit and in the metrics.
    const decision = await options.authorizer.authorize({
      user_id: identity.userId,
      roles: identity.roles,
      action: "invoke_function",
      resource: address.reference,
      context: { session_id: identity.sessionId },
    });
    const kind = decision.allowed ? await options.moduleKind(address.reference, signal) : undefined;
    if (kind === undefined) {
      // Refused, or nothing (readable) answers to the glyph: the pipeline says which, in the
      // execute route's words (403, 404, 422, 503).
      request.resume();
      write(await execute({ cid: address.reference, inputs: [] }), "numeric");
      return;
    }

    const allowed: readonly FunctionMethod[] =
      settings.methods ?? (kind === "numeric" ? ["POST"] : FUNCTION_METHODS);
    const asMethod = method === "HEAD" ? "GET" : method;
    if (!(allowed as readonly string[]).includes(asMethod)) {
      request.resume();
      throw methodNotAllowed(method, allowed);
    }

    if (kind === "numeric") {
      const entry = address.segments[0];
      if (entry === undefined || address.segments.length > 1) {
        request.resume();
        const message =
          "a numeric function is called as POST /fn/name@tag/{entry}, with one path segment after the glyph";
        throw httpProblem(404, "function-entry-not-found", "Function entry not found", {
          detail: message,
          details: [{ path: "entry", message }],
        });
      }
      const query = policyFromQuery(url.searchParams);
      const text = new TextDecoder().decode(await readBody(request, options.maxBodyBytes));
      const inputs = numericArguments(text, settings.parameters?.[entry]);
      const policy = { ...settings.policy, ...query };
      write(
        await execute({
          cid: address.reference,
          inputs,
          entry,
          abi: "numeric",
          ...(Object.keys(policy).length > 0 ? { policy } : {}),
        }),
        kind,
      );
      return;
    }

    const body = await readBody(request, options.maxBodyBytes);
    const host = /^(?<name>\[[^\]]*\]|[^:]*)(?::(?<port>\d+))?$/.exec(request.headers.host ?? "");
    const environment = cgiEnvironment({
      method,
      url,
      headers: request.headers,
      scriptName: address.scriptName,
      pathInfo: address.pathInfo,
      rawPathInfo: address.rawPathInfo,
      contentLength: body.length,
      userId: identity.userId,
      remoteAddress: request.socket.remoteAddress ?? "",
      serverName: host?.groups?.name || (request.socket.localAddress ?? ""),
      serverPort: host?.groups?.port ?? String(request.socket.localPort ?? ""),
      serverProtocol: `HTTP/${request.httpVersion}`,
    });
    write(
      await execute({
        cid: address.reference,
        abi: "cgi",
        inputs: { environment, body: Buffer.from(body).toString("base64") },
        ...(settings.policy ? { policy: settings.policy } : {}),
      }),
      kind,
    );
  };
}
