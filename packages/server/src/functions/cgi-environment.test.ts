import { describe, expect, it } from "vitest";
import { cgiEnvironment } from "./cgi-environment.js";

describe("cgiEnvironment", () => {
  it("sets the CGI/1.1 and WAGI variables and one HTTP_* per header, withholding credentials", () => {
    const environment = cgiEnvironment({
      method: "POST",
      url: new URL("http://relay.test:3000/fn/greeter@1/a/b%20c?name=Ada&x=1"),
      headers: {
        host: "relay.test:3000",
        "content-type": "text/plain",
        "content-length": "4",
        "x-custom-thing": "yes",
        accept: "text/plain",
        authorization: "Bearer secret",
        cookie: "session=1",
        user_id: "alice",
        "idempotency-key": "k1",
        proxy: "http://evil.example",
        connection: "keep-alive",
      },
      scriptName: "/fn/greeter@1",
      pathInfo: "/a/b c",
      rawPathInfo: "/a/b%20c",
      contentLength: 4,
      userId: "alice",
      remoteAddress: "127.0.0.1",
      serverName: "relay.test",
      serverPort: "3000",
      serverProtocol: "HTTP/1.1",
    });
    expect(environment).toEqual({
      AUTH_TYPE: "",
      CONTENT_LENGTH: "4",
      CONTENT_TYPE: "text/plain",
      GATEWAY_INTERFACE: "CGI/1.1",
      PATH_INFO: "/a/b c",
      PATH_TRANSLATED: "/a/b c",
      QUERY_STRING: "name=Ada&x=1",
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_HOST: "127.0.0.1",
      REMOTE_USER: "alice",
      REQUEST_METHOD: "POST",
      SCRIPT_NAME: "/fn/greeter@1",
      SERVER_NAME: "relay.test",
      SERVER_PORT: "3000",
      SERVER_PROTOCOL: "HTTP/1.1",
      SERVER_SOFTWARE: "wasm-relay",
      X_MATCHED_ROUTE: "/fn/greeter@1/...",
      X_FULL_URL: "http://relay.test:3000/fn/greeter@1/a/b%20c?name=Ada&x=1",
      X_RAW_PATH_INFO: "/a/b%20c",
      HTTP_HOST: "relay.test:3000",
      HTTP_X_CUSTOM_THING: "yes",
      HTTP_ACCEPT: "text/plain",
    });
  });
});
