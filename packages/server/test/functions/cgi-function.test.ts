import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { cgiOutputModule } from "./cgi-output-module.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
});
afterAll(async () => {
  await relay?.close();
});

/** One exchange with node:http (a real HTTP/1.1 client, no fetch normalisation). */
function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(path, relay.url),
      {
        method,
        headers: {
          ...(options.body !== undefined
            ? { "Content-Length": String(Buffer.byteLength(options.body)) }
            : {}),
          ...options.headers,
        },
      },
      (incoming) => {
        let body = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => (body += chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

let published = 0;
/** Uploads `bytes` and publishes them as `name@1` owned by `owner`; returns `/fn/name@1`. */
async function publishModule(bytes: Uint8Array<ArrayBuffer>, owner = "cgi-owner"): Promise<string> {
  published += 1;
  const name = `cgi-test-${published}-${Date.now()}`;
  const upload = await fetch(`${relay.url}/modules`, {
    method: "POST",
    headers: { user_id: owner, "Content-Type": "application/wasm" },
    body: bytes,
  });
  const { cid } = (await upload.json()) as { cid: string };
  const publish = await fetch(`${relay.url}/glyphs/${name}/1`, {
    method: "PUT",
    headers: { user_id: owner, "Content-Type": "application/json" },
    body: JSON.stringify({ cid }),
  });
  expect(publish.status).toBe(201);
  return `/fn/${name}@1`;
}

describe("WASI modules as CGI: the greeter example", () => {
  it("reads a query parameter and the body, sets a status and a header", async () => {
    const answer = await send("POST", "/fn/greeter@quantum/say/hi?name=Ada%20L", {
      headers: { user_id: "greeter-user", "Content-Type": "text/plain" },
      body: "some bytes",
    });
    expect(answer.status).toBe(201);
    expect(answer.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(answer.headers["x-greeting-name"]).toBe("Ada L");
    expect(answer.body).toBe("Hello, Ada L! POST /say/hi with 10 bytes: some bytes\n");
    expect(answer.headers["relay-request-id"]).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(answer.headers["relay-gas-used"])).toBeGreaterThan(0);
    expect(answer.headers["relay-duration"]).toBeDefined();
    expect(answer.headers["content-security-policy"]).toBe("sandbox");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["ratelimit-policy"]).toContain("q=10");
  });

  it("answers GET without a body 200 with the default name; HEAD has the headers only", async () => {
    const get = await send("GET", "/fn/greeter@quantum/", { headers: { user_id: "greeter-get" } });
    expect(get.status).toBe(200);
    expect(get.body).toBe("Hello, world! GET / without a body\n");
    const head = await send("HEAD", "/fn/greeter@quantum/", {
      headers: { user_id: "greeter-head" },
    });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["x-greeting-name"]).toBe("world");
  });

  it("a name that would inject a header (CR LF in the query) is refused as 502, never passed on", async () => {
    const answer = await send(
      "GET",
      "/fn/greeter@quantum/?name=x%0D%0ASet-Cookie:%20session=stolen",
      { headers: { user_id: "greeter-inject" } },
    );
    expect(answer.status).toBe(502);
    expect(answer.headers["set-cookie"]).toBeUndefined();
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 502,
      type: expect.stringMatching(/invalid-function-response$/),
    });
  });

  it("replays an identical request (idempotency, as on the execute route), keyed or not", async () => {
    const headers = { user_id: "greeter-replay", "Idempotency-Key": "greeter-key-1" };
    const first = await send("POST", "/fn/greeter@quantum/?name=a", { headers, body: "x" });
    const second = await send("POST", "/fn/greeter@quantum/?name=a", { headers, body: "x" });
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.body).toBe(first.body);
    const other = await send("POST", "/fn/greeter@quantum/?name=b", { headers, body: "x" });
    expect(other.status).toBe(422);
    expect(JSON.parse(other.body)).toMatchObject({
      type: expect.stringMatching(/idempotency-key-mismatch$/),
    });
  });
});

describe("WASI modules as CGI: hostile responses are refused cleanly (502 problem)", () => {
  const hostile: [string, string | Uint8Array][] = [
    ["no blank line", "Content-Type: text/plain\nno end of headers"],
    ["giant header", `Content-Type: text/plain\nX-Big: ${"a".repeat(20_000)}\n\nbody`],
    [
      "too many headers",
      `${Array.from({ length: 70 }, (_, i) => `X-H${i}: v`).join("\n")}\n\nbody`,
    ],
    ["invalid status", "Status: 99999 Weird\n\nbody"],
    ["1xx status", "Status: 101 Switching Protocols\n\nbody"],
    ["status text", "Status: abc\n\nbody"],
    ["Set-Cookie for another domain", "Set-Cookie: id=1; Domain=evil.example\n\nbody"],
    ["CRLF injection (lone CR)", "X-A: one\rSet-Cookie: id=1\n\nbody"],
    ["folded header", "X-A: one\n  Set-Cookie: id=1\n\nbody"],
    ["relay-owned header", "Relay-Request-Id: forged\n\nbody"],
    ["hop-by-hop header", "Transfer-Encoding: chunked\n\nbody"],
    ["framing header", "Content-Length: 1\n\nbody"],
    ["security header", "Content-Security-Policy: default-src *\n\nbody"],
    ["CORS header", "Access-Control-Allow-Origin: *\n\nbody"],
    ["not a header name", "Bad Name: x\n\nbody"],
    ["NUL in a value", "X-A: a\u0000b\n\nbody"],
    [
      "non-ASCII in a value",
      new Uint8Array([...Buffer.from("X-A: "), 0xff, ...Buffer.from("\n\nbody")]),
    ],
    ["javascript: Location", "Location: javascript:alert(1)\n\n"],
    ["protocol-relative Location", "Location: //evil.example/\n\n"],
  ];
  for (const [what, stdout] of hostile) {
    it(`refuses ${what}`, async () => {
      const path = await publishModule(cgiOutputModule(stdout));
      const answer = await send("GET", `${path}/`, {
        headers: { user_id: `cgi-caller-${what.replace(/[^a-z0-9]+/gi, "-")}` },
      });
      expect(answer.status).toBe(502);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      expect(answer.headers["set-cookie"]).toBeUndefined();
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 502,
        type: expect.stringMatching(/invalid-function-response$/),
        request_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });
  }

  it("passes a well-formed response on: its status, headers and body; Location alone is 302", async () => {
    const path = await publishModule(
      cgiOutputModule(
        "Status: 418 I'm a teapot\r\nContent-Type: text/html\r\nX-One: 1\r\nX-One: 2\r\n\r\n<p>tea</p>",
      ),
    );
    const answer = await send("DELETE", `${path}/pot`, { headers: { user_id: "cgi-good" } });
    expect(answer.status).toBe(418);
    expect(answer.headers["content-type"]).toBe("text/html");
    expect(answer.headers["x-one"]).toBe("1, 2");
    expect(answer.body).toBe("<p>tea</p>");
    const redirect = await publishModule(cgiOutputModule("Location: /fn/greeter@quantum/\n\n"));
    const moved = await send("GET", `${redirect}/`, { headers: { user_id: "cgi-good" } });
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe("/fn/greeter@quantum/");
    expect(moved.headers["content-type"]).toBe("application/octet-stream");
  });
});
