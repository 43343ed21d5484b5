import { httpProblem } from "./http-problem.js";

/**
 * The request target as a URL on the relay: origin-form (`/path?query`, even `//x`) or
 * absolute-form.
 * @throws HttpProblem 400 when it is neither.
 */
export function requestUrl(target: string | undefined): URL {
  const text = target ?? "/";
  try {
    return text.startsWith("/") ? new URL(`http://relay.invalid${text}`) : new URL(text);
  } catch {
    throw httpProblem(400, "malformed-request-target", "Malformed request target", {
      detail: "the request target is not a path (or an absolute http URL)",
    });
  }
}

/**
 * A target that is already its own pathname: `/`-separated segments of unreserved characters,
 * none empty or starting with a dot (so no `.`/`..` segment, no `//`, no `%`, `?` or `#`), which
 * the URL parser would leave exactly as they are.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

/** Whether `target` is a plain path: its own pathname, no URL needs parsing to route it. */
export function isPlainPath(target: string | undefined): target is string {
  return target !== undefined && PLAIN_PATH.test(target);
}

/** A request target fit for a log line: at most 200 characters, without its query (which may hold ids). */
export function pathForLog(target: string | undefined): string {
  const path = (target ?? "/").split("?")[0] ?? "/";
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** An error as a log line: its stack when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
