import { multiSegmentParameters, pathTemplateSource } from "../http/path-template-pattern.js";

/** The multi-segment path parameters any operation of a path item declares. */
function multiSegmentOf(operations: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const operation of Object.values(operations)) {
    const parameters = (operation as { parameters?: Record<string, unknown>[] }).parameters;
    for (const name of multiSegmentParameters(parameters)) names.add(name);
  }
  return names;
}

/** Finds the path template (`/modules/{cid}`) a request answers to. */
export type RouteTemplateMatcher = (method: string, pathname: string) => string | undefined;

/**
 * Builds a matcher over the `paths` of an OpenAPI document: a request path matches a template
 * whose `{parameters}` each stand for one path segment (or the rest of the path, when marked
 * multi-segment), for a method the template lists.
 * Literal templates win over parameterised ones.
 */
export function createRouteTemplateMatcher(
  paths: Record<string, Record<string, unknown>>,
): RouteTemplateMatcher {
  const routes = Object.entries(paths)
    .map(([template, operations]) => ({
      template,
      methods: new Set(Object.keys(operations).map((method) => method.toUpperCase())),
      pattern: new RegExp(`^${pathTemplateSource(template, multiSegmentOf(operations))}$`),
      parameters: (template.match(/\{/g) ?? []).length,
    }))
    .sort((left, right) => left.parameters - right.parameters);
  return (method, pathname) => {
    const wanted = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
    return routes.find((route) => route.methods.has(wanted) && route.pattern.test(pathname))
      ?.template;
  };
}
