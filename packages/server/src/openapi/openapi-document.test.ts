import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createOpenApiDocument } from "./openapi-document.js";

describe("createOpenApiDocument", () => {
  it("describes the configured authenticator as the caller's security scheme", async () => {
    const schemes = (authentication: "dev-headers" | "api-key" | "jwt") =>
      createOpenApiDocument({ authentication }).components.securitySchemes.caller;
    expect(schemes("dev-headers")).toMatchObject({ type: "apiKey", in: "header", name: "user_id" });
    expect(schemes("api-key")).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes("jwt")).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    for (const authentication of ["dev-headers", "api-key", "jwt"] as const) {
      const document = createOpenApiDocument({ authentication });
      expect((await new Validator().validate(document as never)).valid, authentication).toBe(true);
    }
  });

  it("says whether /metrics needs the token", () => {
    const security = (metricsTokenRequired: boolean) =>
      (
        createOpenApiDocument({ metricsTokenRequired }).paths["/metrics"] as Record<
          string,
          { security: unknown }
        >
      ).get?.security;
    expect(security(true)).toEqual([{ metricsToken: [] }]);
    expect(security(false)).toEqual([]);
  });

  it("publishes request schemas as callers write them and responses as the server writes them", () => {
    const { schemas } = createOpenApiDocument().components;
    // `inputs` has a default: optional for callers.
    expect(schemas.ExecuteRequest?.required).toEqual(["cid"]);
    expect(JSON.stringify(schemas.ExecuteRequest)).toContain("Module to run");
    const success = (schemas.ExecuteResponse as { oneOf: { required: string[] }[] }).oneOf[0];
    expect(success?.required).toEqual(expect.arrayContaining(["success", "request_id", "output"]));
  });
});
