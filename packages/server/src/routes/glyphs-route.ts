import type { Authorizer } from "@wasm-relay/core";
import { GLYPH_PATTERN, parseModuleReference, zodIssuesToDetails } from "@wasm-relay/core";
import { requirePermission } from "../authorization/require-permission.js";
import { type FunctionSettings, functionSettingsSchema } from "../functions/function-settings.js";
import {
  type FunctionSettingsStore,
  FunctionSettingsStoreFullError,
} from "../functions/function-settings-store.js";
import { type HttpProblem, httpProblem } from "../http/http-problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import { defineRoute, pathParameter, schemaComponent } from "../http/route-definition.js";
import type { RouteContext, RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";
import { glyphPublisher } from "../modules/glyph-publisher.js";
import type { LayeredModuleResolver } from "../modules/layered-module-resolver.js";
import { DEFAULT_OPERATOR_ROLE } from "../modules/operator-user.js";
import { resolutionProblem } from "../modules/resolution-problem.js";
import {
  glyphPublicationSchema,
  glyphPublishedSchema,
  glyphRecordSchema,
} from "../openapi/module-schemas.js";
import {
  internalErrorResponse,
  jsonResponse,
  problemResponse,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import type { ModuleRouteDependencies } from "./route-dependencies.js";

/**
 * The name of a glyph route: `:name`, or `:scope/:name` for a scoped name (`@scope/name`, also
 * accepted URL-encoded as one segment).
 */
function glyphName(parameters: RouteContext["parameters"]): string {
  const name = parameters.name ?? "";
  return parameters.scope === undefined ? name : `${parameters.scope}/${name}`;
}

/**
 * 507 `function-settings-full`: the settings of one more `name@tag` do not fit in the store.
 * @param maxEntries the store's bound (`RELAY_FUNCTION_SETTINGS_MAX`), in `name@tag` entries.
 * @param published whether the tag was published all the same (another publication filled the
 * store between the check and the write): it then points at the CID, without function settings.
 */
function settingsFullProblem(
  reference: string,
  maxEntries: number | undefined,
  published: boolean,
): HttpProblem {
  const bound =
    maxEntries === undefined
      ? "RELAY_FUNCTION_SETTINGS_MAX"
      : `RELAY_FUNCTION_SETTINGS_MAX = ${maxEntries}`;
  const outcome = published
    ? `${reference} was published without function settings`
    : `nothing was published`;
  return httpProblem(507, "function-settings-full", "Function settings store full", {
    detail: `the function settings store is full (${bound} name@tag entries): no room for the settings of ${reference}, ${outcome}; remove another tag's settings ("function": null) or raise RELAY_FUNCTION_SETTINGS_MAX`,
    details: [{ path: "function", message: "no room for the settings of one more tag" }],
    ...(maxEntries === undefined ? {} : { max_entries: maxEntries }),
  });
}

function invalid(path: string, message: string) {
  return httpProblem(400, "invalid-request", "Invalid request", {
    detail: `${path}: ${message}`,
    details: [{ path, message }],
  });
}

/**
 * `PUT /glyphs/:name/:tag` with `{ "cid": "…" }`: points `glyph://name@tag` at a module. The CID
 * must resolve to verified bytes (uploaded, stored, or fetched from a gateway); the tag records
 * its CIDv1 (raw). The first publisher of a name owns it; anyone else gets 403. Before the
 * authorizer (`publish_glyph`) is asked, the rules of {@link glyphPublisher} apply: reserved
 * names and the `relay:operator` owner are the operator role's, `@scope/…` is its user's. All of
 * this happens before the CID is resolved: a refused caller makes the relay fetch nothing.
 * Answers 201 when this claimed the name, 200 when the owner moved or added a tag. Settings of a
 * tag that has none yet need room in {@link FunctionSettingsStore}: when it is full, the answer
 * is 507 `function-settings-full` and nothing is published.
 */
export function publishGlyphRoute(options: {
  resolver: LayeredModuleResolver;
  authenticator: Authenticator;
  authorizer: Authorizer;
  maxBodyBytes: number;
  /** `RELAY_OPERATOR_ROLE`. @default "operator" */
  operatorRole?: string | undefined;
  /** Names only the operator may publish (the module directory's). @default none */
  reservedNames?: ReadonlySet<string> | undefined;
  /** Where the `function` member of a publication goes. */
  functionSettings: FunctionSettingsStore;
  /**
   * The bound of `functionSettings` (`RELAY_FUNCTION_SETTINGS_MAX`), named by the 507 when it
   * is full. @unit `name@tag` entries @default not named
   */
  functionSettingsMax?: number | undefined;
}): RouteHandler {
  const rules = {
    operatorRole: options.operatorRole ?? DEFAULT_OPERATOR_ROLE,
    reservedNames: options.reservedNames ?? new Set<string>(),
  };
  return async ({ request, response, parameters }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const name = glyphName(parameters);
    const tag = parameters.tag ?? "";
    const reference = `glyph://${name}@${tag}`;
    const parsed = GLYPH_PATTERN.exec(reference);
    if (!parsed?.groups || parsed.groups.name !== name) {
      request.resume();
      throw invalid(
        "name",
        `${JSON.stringify(`${name}@${tag}`)} is not a valid glyph: names are lower case letters, digits, "-", "." and "_" (optionally @scope/), at most 214 characters; tags are letters, digits, ".", "+", "_" and "-"`,
      );
    }
    const body = await readJsonBody(request, options.maxBodyBytes);
    // The definition's request schema decides the body's shape; the CID's syntax is checked here.
    const settings = functionSettingsOf(body);
    const publication = glyphPublicationSchema.safeParse(body);
    const cid = publication.success ? publication.data.cid : undefined;
    if (cid === undefined || parseModuleReference(cid)?.kind !== "cid") {
      throw invalid("cid", "must be the CID of a module (CIDv0 Qm… or CIDv1)");
    }
    const owner = glyphPublisher(identity, name, rules);
    await requirePermission(options.authorizer, identity, "publish_glyph", reference);
    let resolvedCid: string;
    try {
      resolvedCid = (await options.resolver.resolve(cid)).cid;
    } catch (error) {
      throw resolutionProblem(error, cid, "cid") ?? error;
    }
    // Asked before publishing, so that a full store refuses with nothing published.
    if (settings && !(await options.functionSettings.hasRoom(name, tag))) {
      throw settingsFullProblem(reference, options.functionSettingsMax, false);
    }
    const result = await options.resolver.registry.publish({
      name,
      tag,
      cid: resolvedCid,
      userId: owner,
    });
    if (!result.published) {
      const reason = `${name} belongs to ${result.owner}; only its owner may publish its tags`;
      throw httpProblem(403, "glyph-owned", "Glyph owned by another user", {
        detail: reason,
        reason,
      });
    }
    // The owner's settings of the tag's function endpoint: written once the publication is theirs.
    if (settings !== undefined) {
      try {
        await options.functionSettings.set(name, tag, settings ?? undefined);
      } catch (error) {
        // Another publication took the last room since hasRoom: still a 507, never a 500.
        if (error instanceof FunctionSettingsStoreFullError) {
          throw settingsFullProblem(reference, error.maxEntries, true);
        }
        throw error;
      }
    }
    writeJson(response, result.claimed ? 201 : 200, {
      name,
      tag,
      cid: resolvedCid,
      owner,
      previous_cid: result.previousCid ?? null,
      reference,
      function: (await options.functionSettings.get(name, tag)) ?? null,
    });
  };
}

/**
 * The `function` member of a publication: settings (replace), `null` (remove) or `undefined`
 * (absent: keep).
 * @throws HttpProblem 400 naming each wrong member.
 */
function functionSettingsOf(body: unknown): FunctionSettings | null | undefined {
  if (body === null || typeof body !== "object" || !("function" in body)) return undefined;
  if (body.function === null) return null;
  const parsed = functionSettingsSchema.safeParse(body.function);
  if (parsed.success) return parsed.data;
  const details = zodIssuesToDetails(parsed.error).map((detail) => ({
    ...detail,
    path: detail.path === "(body)" ? "function" : `function.${detail.path}`,
  }));
  throw httpProblem(400, "invalid-request", "Invalid request", {
    detail: details.map((detail) => `${detail.path}: ${detail.message}`).join("; "),
    details,
  });
}

/**
 * `GET /glyphs/:name`: the name's owner, tags and function settings
 * (`{ name, owner, tags: { tag: cid }, functions: { tag: settings } }`), or 404.
 */
export function listGlyphRoute(options: {
  resolver: LayeredModuleResolver;
  functionSettings: FunctionSettingsStore;
}): RouteHandler {
  return async ({ response, parameters }) => {
    const name = glyphName(parameters);
    const record = await options.resolver.registry.get(name);
    if (!record) {
      const message = `no glyph is published under ${JSON.stringify(name)}`;
      throw httpProblem(404, "glyph-not-found", "Glyph not found", {
        detail: message,
        details: [{ path: "name", message }],
      });
    }
    writeJson(response, 200, { ...record, functions: await options.functionSettings.list(name) });
  };
}

const scopeParameter = pathParameter("scope", "Scope with its `@` (e.g. `@acme`).");
const glyphPublished = schemaComponent("GlyphPublished", glyphPublishedSchema, "output");

function publishGlyphRouteDefinition(scoped: boolean) {
  return defineRoute<ModuleRouteDependencies>({
    method: "PUT",
    path: scoped ? "/glyphs/{scope}/{name}/{tag}" : "/glyphs/{name}/{tag}",
    operationId: scoped ? "publishScopedGlyph" : "publishGlyph",
    summary: scoped
      ? "Point glyph://@scope/name@tag at a module"
      : "Point glyph://name@tag at a module",
    description:
      "The first publisher of a name owns it; only the owner may move or add its tags. `@scope/…` names are the user `scope`'s, and the module directory's names the operator's (callers holding `RELAY_OPERATOR_ROLE`), whatever the authorizer says. The CID must resolve to verified bytes.",
    tags: ["modules"],
    security: "caller",
    parameters: [
      ...(scoped ? [scopeParameter] : []),
      pathParameter("name", "Glyph name."),
      pathParameter("tag", "Dist-tag or version."),
    ],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: schemaComponent("GlyphPublication", glyphPublicationSchema, "input"),
        },
      },
    },
    responses: {
      "200": jsonResponse("The owner moved or added a tag.", glyphPublished),
      "201": jsonResponse("This request claimed the name.", glyphPublished),
      "400": problemResponse("The name, tag or body (its `cid` or `function`) is invalid."),
      "401": unauthenticatedResponse,
      "403": problemResponse(
        "The authorizer refused (`publish_glyph`), the name belongs to another user or scope, it is an operator name, or the caller's user id is reserved (`relay:…`).",
      ),
      "404": problemResponse("No module answers to the CID."),
      "413": problemResponse("The body is too large."),
      "415": problemResponse("The body is not `application/json`."),
      "422": problemResponse("The module's bytes failed verification."),
      "500": internalErrorResponse,
      "507": problemResponse(
        "`function-settings-full`: the body has a `function` member for a tag without settings and the in-memory settings store holds `RELAY_FUNCTION_SETTINGS_MAX` tags; nothing was published (unless another publication took the last room meanwhile: the tag is then published without settings, as the detail says).",
      ),
    },
    handler: (dependencies) =>
      publishGlyphRoute({
        resolver: dependencies.resolver,
        authenticator: dependencies.authenticator,
        authorizer: dependencies.authorizer,
        maxBodyBytes: dependencies.config.RELAY_MAX_BODY_BYTES,
        operatorRole: dependencies.config.RELAY_OPERATOR_ROLE,
        reservedNames: dependencies.resolver.reservedGlyphNames,
        functionSettings: dependencies.resolver.functionSettings,
        functionSettingsMax: dependencies.config.RELAY_FUNCTION_SETTINGS_MAX,
      }),
  });
}

function listGlyphRouteDefinition(scoped: boolean) {
  return defineRoute<ModuleRouteDependencies>({
    method: "GET",
    path: scoped ? "/glyphs/{scope}/{name}" : "/glyphs/{name}",
    operationId: scoped ? "getScopedGlyph" : "getGlyph",
    summary: "A glyph name's owner and tags",
    tags: ["modules"],
    parameters: [...(scoped ? [scopeParameter] : []), pathParameter("name", "Glyph name.")],
    responses: {
      "200": jsonResponse(
        "The name's record.",
        schemaComponent("GlyphRecord", glyphRecordSchema, "output"),
      ),
      "400": problemResponse("The path is not valid percent-encoded UTF-8."),
      "404": problemResponse("No glyph is published under the name."),
      "500": internalErrorResponse,
    },
    handler: (dependencies) =>
      listGlyphRoute({
        resolver: dependencies.resolver,
        functionSettings: dependencies.resolver.functionSettings,
      }),
  });
}

/** `PUT /glyphs/{name}/{tag}` and `PUT /glyphs/{scope}/{name}/{tag}`. */
export const publishGlyphRouteDefinitions = [
  publishGlyphRouteDefinition(false),
  publishGlyphRouteDefinition(true),
] as const;

/** `GET /glyphs/{name}` and `GET /glyphs/{scope}/{name}`. */
export const listGlyphRouteDefinitions = [
  listGlyphRouteDefinition(false),
  listGlyphRouteDefinition(true),
] as const;
