import { GLYPH_PATTERN } from "@wasm-relay/core";
import { httpProblem } from "../http/http-problem.js";
import { decodePathSegment } from "../http/route-table.js";

/** Where a `/fn/…` request points: the glyph, and the path after it. */
export interface FunctionAddress {
  /** Glyph name (`calculator`, `@acme/tool`). */
  name: string;
  /** Tag (`quantum`). */
  tag: string;
  /** `glyph://name@tag`: the module reference the pipeline runs and the authorizer's resource. */
  reference: string;
  /** `/fn/name@tag` as sent: CGI's `SCRIPT_NAME`. */
  scriptName: string;
  /** The rest of the path, decoded segment by segment: `/main`, `/`, `/a/b` (CGI's `PATH_INFO`). */
  pathInfo: string;
  /** The rest of the path as sent. */
  rawPathInfo: string;
  /** The segments of {@link pathInfo} (`["main"]` for `/main`; `[]` for `/` or none). */
  segments: string[];
}

/** The path prefix of function endpoints. */
export const FUNCTION_PATH_PREFIX = "/fn/";

/**
 * Reads the glyph and the rest of the path of a function call from the request path, as sent:
 * `/fn/name@tag/rest…`, or `/fn/@scope/name@tag/rest…` (also `/fn/@scope%2Fname@tag/…`).
 * @throws HttpProblem 400 `invalid-request` when the glyph is not a valid `name@tag`, 400
 *   `malformed-path` for percent-encoding that does not decode.
 */
export function parseFunctionAddress(pathname: string): FunctionAddress {
  const after = pathname.slice(FUNCTION_PATH_PREFIX.length);
  const segments = after.split("/");
  let glyphSegments = 1;
  let glyph = decodePathSegment(segments[0] ?? "");
  if (glyph.startsWith("@") && !glyph.includes("/") && segments.length > 1) {
    glyph = `${glyph}/${decodePathSegment(segments[1] ?? "")}`;
    glyphSegments = 2;
  }
  const reference = `glyph://${glyph}`;
  const parsed = GLYPH_PATTERN.exec(reference);
  if (!parsed?.groups) {
    const message = `${JSON.stringify(glyph.length > 80 ? `${glyph.slice(0, 80)}…` : glyph)} is not a glyph name@tag (lower case letters, digits, "-", "." and "_", optionally @scope/, then @ and a tag)`;
    throw httpProblem(400, "invalid-request", "Invalid request", {
      detail: `function: ${message}`,
      details: [{ path: "function", message }],
    });
  }
  const rest = segments.slice(glyphSegments);
  const rawPathInfo = rest.length === 0 ? "" : `/${rest.join("/")}`;
  const decoded = rest.map(decodePathSegment);
  return {
    name: parsed.groups.name!,
    tag: parsed.groups.tag!,
    reference,
    scriptName: `${FUNCTION_PATH_PREFIX}${segments.slice(0, glyphSegments).join("/")}`,
    pathInfo: rest.length === 0 ? "" : `/${decoded.join("/")}`,
    rawPathInfo,
    segments: decoded.filter((segment) => segment !== ""),
  };
}
