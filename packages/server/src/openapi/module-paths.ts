import { CALLER_SECURITY_SCHEME } from "./caller-security-scheme.js";
import { COMPONENT_SCHEMA_PREFIX } from "./openapi-schemas.js";

const PROBLEM = {
  "application/problem+json": { schema: { $ref: `${COMPONENT_SCHEMA_PREFIX}Problem` } },
};
const problem = (description: string) => ({ description, content: PROBLEM });
const json = (description: string, schema: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: { $ref: `${COMPONENT_SCHEMA_PREFIX}${schema}` } } },
});
const unauthenticated = { $ref: "#/components/responses/Unauthenticated" };
const internalError = { $ref: "#/components/responses/InternalError" };
const pathParameter = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string" },
});

function publishGlyph(scoped: boolean) {
  return {
    put: {
      operationId: scoped ? "publishScopedGlyph" : "publishGlyph",
      summary: scoped
        ? "Point glyph://@scope/name@tag at a module"
        : "Point glyph://name@tag at a module",
      description:
        "The first publisher of a name owns it; only the owner may move or add its tags. `@scope/…` names are the user `scope`'s, and the module directory's names the operator's (callers holding `RELAY_OPERATOR_ROLE`), whatever the authorizer says. The CID must resolve to verified bytes.",
      tags: ["modules"],
      security: [{ [CALLER_SECURITY_SCHEME]: [] }],
      parameters: [
        ...(scoped ? [pathParameter("scope", "Scope with its `@` (e.g. `@acme`).")] : []),
        pathParameter("name", "Glyph name."),
        pathParameter("tag", "Dist-tag or version."),
      ],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { $ref: `${COMPONENT_SCHEMA_PREFIX}GlyphPublication` } },
        },
      },
      responses: {
        "200": json("The owner moved or added a tag.", "GlyphPublished"),
        "201": json("This request claimed the name.", "GlyphPublished"),
        "400": problem("The name, tag or body is invalid."),
        "401": unauthenticated,
        "403": problem(
          "The authorizer refused (`publish_glyph`), the name belongs to another user or scope, it is an operator name, or the caller's user id is reserved (`relay:…`).",
        ),
        "404": problem("No module answers to the CID."),
        "413": problem("The body is too large."),
        "415": problem("The body is not `application/json`."),
        "422": problem("The module's bytes failed verification."),
        "500": internalError,
      },
    },
  };
}

function listGlyph(scoped: boolean) {
  return {
    get: {
      operationId: scoped ? "getScopedGlyph" : "getGlyph",
      summary: "A glyph name's owner and tags",
      tags: ["modules"],
      parameters: [
        ...(scoped ? [pathParameter("scope", "Scope with its `@` (e.g. `@acme`).")] : []),
        pathParameter("name", "Glyph name."),
      ],
      responses: {
        "200": json("The name's record.", "GlyphRecord"),
        "400": problem("The path is not valid percent-encoded UTF-8."),
        "404": problem("No glyph is published under the name."),
        "500": internalError,
      },
    },
  };
}

/** OpenAPI path items of the module and glyph routes (`/modules`, `/glyphs`). */
export function modulePaths(): Record<string, Record<string, unknown>> {
  return {
    "/modules": {
      post: {
        operationId: "uploadModule",
        summary: "Upload a WebAssembly module",
        description:
          "Stores the bytes content-addressed. The same bytes again answer 201 with the same body and no second copy: the answer never tells whether someone had uploaded them before.",
        tags: ["modules"],
        security: [{ [CALLER_SECURITY_SCHEME]: [] }],
        requestBody: {
          required: true,
          content: {
            "application/wasm": {
              schema: { type: "string", contentMediaType: "application/wasm" },
            },
          },
        },
        responses: {
          "201": json("The bytes are stored.", "ModuleUploaded", {
            Location: { description: "`/modules/{cid}`.", schema: { type: "string" } },
          }),
          "400": problem("The body is empty."),
          "401": unauthenticated,
          "403": problem("The authorizer refused (action `upload_module`)."),
          "413": problem("The module is larger than `RELAY_MAX_MODULE_BYTES`."),
          "415": problem("The body is not `application/wasm`."),
          "422": problem("The body is not valid WebAssembly."),
          "500": internalError,
        },
      },
    },
    "/modules/{cid}": {
      get: {
        operationId: "downloadModule",
        summary: "Download a module's verified bytes",
        description:
          "For an authenticated caller the authorizer lets `read_module` the CID (asked before anything is resolved).",
        tags: ["modules"],
        security: [{ [CALLER_SECURITY_SCHEME]: [] }],
        parameters: [pathParameter("cid", "CIDv0 or CIDv1 of the module.")],
        responses: {
          "200": {
            description: "The module's bytes (immutable).",
            headers: {
              ETag: { description: "The CID, quoted.", schema: { type: "string" } },
              "X-Resolved-Cid": {
                description: "CIDv1 (raw) of the bytes.",
                schema: { type: "string" },
              },
            },
            content: {
              "application/wasm": {
                schema: { type: "string", contentMediaType: "application/wasm" },
              },
            },
          },
          "304": { description: "`If-None-Match` matched." },
          "400": problem("The reference is not a supported CID."),
          "401": unauthenticated,
          "403": problem("The authorizer refused (action `read_module`)."),
          "404": problem("No module answers to the CID."),
          "422": problem("The only bytes found failed verification."),
          "500": internalError,
        },
      },
    },
    "/glyphs/{name}/{tag}": publishGlyph(false),
    "/glyphs/{scope}/{name}/{tag}": publishGlyph(true),
    "/glyphs/{name}": listGlyph(false),
    "/glyphs/{scope}/{name}": listGlyph(true),
  };
}
