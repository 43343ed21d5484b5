import type { AnySchema, ValidateFunction } from "ajv";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import {
  multiSegmentParameters,
  pathTemplateSource,
} from "../../src/http/path-template-pattern.js";
import { parseSseStream } from "./parse-sse.js";

// ajv and ajv-formats are CommonJS: their default export sits on `default` under Node ESM.
const Ajv2020 =
  (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule;

const DOCUMENT_ID = "https://wasm-relay.invalid/openapi.json";

type Json = Record<string, unknown>;

/** Problem types the router itself answers with, before any route runs. */
const ROUTER_REFUSALS = new Set([
  "not-found",
  "method-not-allowed",
  "malformed-path",
  "malformed-request-target",
  "shutting-down",
]);

/** What a test saw: one HTTP exchange. */
export interface SeenResponse {
  method: string;
  /** Path template of the route (e.g. `/intent/execute-wasm`). */
  path: string;
  status: number;
  contentType: string;
  /** Parsed JSON, or text for non-JSON media types. */
  body: unknown;
}

/**
 * Checks real responses against an OpenAPI document: the status must be documented for the
 * route, the media type must be one the document lists, and the body must validate against
 * that media type's schema (JSON Schema 2020-12, ajv). For `text/event-stream`, every event's
 * `data` is validated against the media type's `x-event-data-schema`.
 */
export class OpenApiConformance {
  readonly #document: Json;
  readonly #ajv: InstanceType<typeof Ajv2020>;
  readonly #compiled = new Map<string, ValidateFunction>();
  /** Every exchange checked so far, as `METHOD path status`. */
  readonly seen = new Set<string>();

  constructor(document: Json) {
    this.#document = document;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: DOCUMENT_ID, components: document.components } as AnySchema);
  }

  #resolve(node: Json): Json {
    let current = node;
    while (typeof current.$ref === "string") {
      const pointer = current.$ref.replace(/^#\//, "").split("/");
      current = pointer.reduce<Json>((value, key) => value[key] as Json, this.#document);
    }
    return current;
  }

  #validator(schema: Json): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({
        $id: `https://wasm-relay.invalid/check/${this.#compiled.size}`,
        ...rewriteRefs(schema),
      });
      this.#compiled.set(key, validate);
    }
    return validate;
  }

  /**
   * The document's path template that a request path answers to, for a method the document
   * lists there (e.g. `GET /modules/bafk…` → `/modules/{cid}`); `undefined` when none does.
   */
  templateFor(method: string, pathname: string): string | undefined {
    const paths = this.#document.paths as Record<string, Record<string, unknown>>;
    for (const [template, operations] of Object.entries(paths)) {
      if (!(method.toLowerCase() in operations)) continue;
      const multiSegment = new Set<string>();
      for (const operation of Object.values(operations)) {
        const parameters = (operation as { parameters?: Record<string, unknown>[] }).parameters;
        for (const name of multiSegmentParameters(parameters)) multiSegment.add(name);
      }
      const pattern = new RegExp(`^${pathTemplateSource(template, multiSegment)}$`);
      if (pattern.test(pathname)) return template;
    }
    return undefined;
  }

  /**
   * Checks an answer to a request whose path and method no documented route has: only the
   * router's own refusals may answer it (a problem document of type `not-found`,
   * `method-not-allowed`, `malformed-path`, `malformed-request-target` or `shutting-down`).
   * Anything else came from a route the document does not list.
   * @throws Error naming the request and what answered it.
   */
  checkUnrouted(seen: Omit<SeenResponse, "path"> & { pathname: string }): void {
    const where = `${seen.method} ${seen.pathname} → ${seen.status}`;
    const type = (seen.body as { type?: unknown } | undefined)?.type;
    const refusal = typeof type === "string" ? /\/([a-z-]+)$/.exec(type)?.[1] : undefined;
    if (!/^application\/problem\+json/i.test(seen.contentType) || !refusal) {
      throw new Error(`${where}: answered by a route that is not in the document`);
    }
    if (!ROUTER_REFUSALS.has(refusal)) {
      throw new Error(`${where}: problem ${refusal} from a route that is not in the document`);
    }
  }

  /**
   * Validates one exchange.
   * @throws Error naming the route and what does not conform.
   */
  check(seen: SeenResponse, options: { body?: boolean } = {}): void {
    const where = `${seen.method} ${seen.path} → ${seen.status}`;
    const paths = this.#document.paths as Record<string, Record<string, Json>>;
    const operation = paths[seen.path]?.[seen.method.toLowerCase()];
    if (!operation) throw new Error(`${where}: the route is not in the document`);
    const responses = operation.responses as Record<string, Json>;
    // A status of its own, else the range (`4XX`), else `default` (OpenAPI 3.1 §4.8.16).
    const documented =
      responses[String(seen.status)] ??
      responses[`${String(seen.status)[0]}XX`] ??
      responses.default;
    if (!documented)
      throw new Error(`${where}: status not documented (has ${Object.keys(responses).join(", ")})`);
    const response = this.#resolve(documented);
    if (response.content === undefined && (seen.body === "" || seen.body === undefined)) {
      this.seen.add(`${seen.method.toUpperCase()} ${seen.path} ${seen.status}`);
      return;
    }
    const content = (response.content ?? {}) as Record<string, Json>;
    const mediaType = seen.contentType.split(";")[0]!.trim().toLowerCase();
    // The exact media type, else its range (`text/*`), else `*/*` (OpenAPI 3.1 §4.8.14).
    const media = content[mediaType] ?? content[`${mediaType.split("/")[0]}/*`] ?? content["*/*"];
    if (!media)
      throw new Error(
        `${where}: media type ${mediaType} not documented (has ${Object.keys(content).join(", ")})`,
      );
    if (options.body === false) {
      this.seen.add(`${seen.method.toUpperCase()} ${seen.path} ${seen.status}`);
      return;
    }
    const bodies =
      mediaType === "text/event-stream"
        ? parseSseStream(String(seen.body)).map((event) => ({
            schema: media["x-event-data-schema"] as Json,
            value: JSON.parse(event.data) as unknown,
          }))
        : [{ schema: media.schema as Json, value: seen.body }];
    for (const { schema, value } of bodies) {
      const validate = this.#validator(schema);
      if (!validate(value)) {
        throw new Error(
          `${where}: body does not conform: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
        );
      }
    }
    this.seen.add(`${seen.method.toUpperCase()} ${seen.path} ${seen.status}`);
  }

  /**
   * Fetches, checks the answer against the document and returns it (body parsed).
   * @param path the route template the URL answers to.
   */
  async fetch(
    baseUrl: string,
    path: string,
    init: RequestInit & { url?: string } = {},
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const response = await fetch(`${baseUrl}${init.url ?? path}`, init);
    const contentType = response.headers.get("content-type") ?? "";
    const text = await response.text();
    const body = /json/.test(contentType) ? (JSON.parse(text) as unknown) : text;
    this.check({ method: init.method ?? "GET", path, status: response.status, contentType, body });
    return { status: response.status, headers: response.headers, body };
  }
}

/** Makes the document's local `#/components/...` references absolute, so they resolve from any schema. */
function rewriteRefs(schema: Json): Json {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${DOCUMENT_ID}#/`),
  ) as Json;
}
