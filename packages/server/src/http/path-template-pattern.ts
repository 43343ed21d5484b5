/**
 * Extension member of an OpenAPI path parameter that takes the rest of the path, slashes
 * included (possibly empty): `/fn/{function}/{path}` with `path` marked matches
 * `/fn/hello@1/a/b/c`. OpenAPI 3.1 has no multi-segment parameter; the router, the template
 * matcher of the metrics and the test suite's response check all read this member.
 */
export const MULTI_SEGMENT_PARAMETER = "x-multi-segment";

/** The names of the path parameters marked {@link MULTI_SEGMENT_PARAMETER} among `parameters`. */
export function multiSegmentParameters(
  parameters: readonly Record<string, unknown>[] | undefined,
): Set<string> {
  const names = new Set<string>();
  for (const parameter of parameters ?? []) {
    if (parameter.in === "path" && parameter[MULTI_SEGMENT_PARAMETER] === true) {
      names.add(String(parameter.name));
    }
  }
  return names;
}

/**
 * The regular expression source (without anchors) of an OpenAPI path template: each `{name}` is
 * one segment (`[^/]+`), or the rest of the path (`.*`) when `name` is in `multiSegment`; every
 * parameter is a capture group, in order.
 */
export function pathTemplateSource(template: string, multiSegment: ReadonlySet<string>): string {
  return template
    .split("/")
    .map((segment) => {
      const parameter = /^\{([^}]+)\}$/.exec(segment);
      if (parameter) return multiSegment.has(parameter[1]!) ? "(.*)" : "([^/]+)";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
}
