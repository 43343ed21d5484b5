// The HTTP fuzzer's cases and driver, shared by `http-fuzz.test.ts` (a small count in `npm
// test`) and `benchmarks/http-fuzz` (a long run): random raw HTTP/1.1 requests — malformed
// JSON, wrong types, deep and wide documents, odd encodings, random paths, methods and
// headers, bad framing and slow bodies — sent on raw sockets, so that nothing a fetch client
// would refuse to send is left out.
import { connect } from "node:net";
import fc from "fast-check";

/** One request as bytes on the wire, and how it is sent. */
export interface FuzzRequest {
  /** Short description for a report: method, path, body kind, framing. */
  description: string;
  /** Head (request line and headers, ending in an empty line). */
  head: string;
  /** Body bytes sent after the head (possibly fewer than its Content-Length says). */
  body: Buffer;
  /** When set, the body is sent `chunkBytes` at a time, `delayMs` apart (slowloris). */
  trickle?: { chunkBytes: number; delayMs: number } | undefined;
  /** Whether the request is well-framed: the server must answer it with a status line. */
  mustAnswer: boolean;
}

/** What the server did with one request. */
export interface FuzzResult {
  request: FuzzRequest;
  /** Status of the answer; `undefined` when the connection ended without one. */
  status: number | undefined;
  /** The first bytes of the answer, for a report. */
  excerpt: string;
}

const KNOWN_PATHS = [
  "/intent/execute-wasm",
  "/intent/execute-wasm/events",
  "/intent/execute-wasm/events?request_id=abc",
  "/intent/execute-wasm/health",
  "/metrics",
  "/openapi.json",
  "/modules",
  "/modules/bafkreiack4ucqm3axeqmyaqzdycrpicw2rcahuwzln5i6iq4zz5swb34om",
  "/modules/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
  "/glyphs/calculator",
  "/glyphs/@scope/name",
  "/glyphs/name/tag",
  "/glyphs/@scope/name/tag",
  "/",
];

const PATH_PIECES = [
  "modules",
  "glyphs",
  "intent",
  "execute-wasm",
  "events",
  "%zz",
  "%",
  "%E0%A4%A",
  "%C0%80",
  "%00",
  "%2F",
  "%2e%2e",
  "..",
  ".",
  "",
  "%F0%9F%98%80",
  "a".repeat(300),
  "@scope",
  "~",
  "name@tag",
  "?x=%zz",
  "?request_id=%ff&last_event_id=",
  "#frag",
];

const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN_PATHS) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...PATH_PIECES), { minLength: 1, maxLength: 5 })
      .map((pieces) => `/${pieces.join("/")}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: "binary-ascii", maxLength: 40 })
      .map((text) => `/${encodeURI(text).replace(/[\s]/g, "")}`),
  },
  { weight: 1, arbitrary: fc.constantFrom("*", "//[", "http://relay.invalid/metrics", "//x//y") },
);

const method = fc.oneof(
  { weight: 5, arbitrary: fc.constant("POST") },
  { weight: 3, arbitrary: fc.constant("GET") },
  { weight: 1, arbitrary: fc.constantFrom("PUT", "HEAD", "DELETE", "PATCH", "OPTIONS") },
);

/** Visible ASCII without the characters Node refuses in header values. */
const headerText = fc
  .string({ unit: "binary-ascii", maxLength: 60 })
  .map((text) => text.replace(/[^\x20-\x7e]/g, "").trim());

const headerName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,20}$/);

const identityHeaders = fc.oneof(
  fc.constant<[string, string][]>([["user_id", "fuzz-user"]]),
  fc.constant<[string, string][]>([]),
  headerText.map((value): [string, string][] => [["user_id", value]]),
  fc.constant<[string, string][]>([
    ["user_id", "alice"],
    ["user-id", "mallory"],
  ]),
  fc.constant<[string, string][]>([["user-id", "fuzz-hyphen"]]),
  fc.constant<[string, string][]>([
    ["user_id", "fuzz-user"],
    ["session_id", "a"],
    ["session-id", "b"],
  ]),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/problem+json",
  "application/wasm",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "",
);

const extraHeaders = fc.array(
  fc.oneof(
    fc.tuple(headerName, headerText),
    fc.tuple(fc.constant("Idempotency-Key"), headerText),
    fc.tuple(fc.constant("Last-Event-ID"), headerText),
    fc.tuple(
      fc.constant("Authorization"),
      headerText.map((text) => `Bearer ${text}`),
    ),
    fc.tuple(fc.constant("Accept"), fc.constantFrom("text/event-stream", "*/*", "x/y")),
    fc.tuple(fc.constant("Expect"), fc.constant("100-continue")),
  ),
  { maxLength: 3 },
);

const moduleReference = fc.oneof(
  fc.constantFrom(
    "glyph://calculator@quantum",
    "glyph://calculator@latest",
    "glyph://processor@quantum",
    "glyph://trap@quantum",
    "glyph://nosuch@tag",
    "bafkreiack4ucqm3axeqmyaqzdycrpicw2rcahuwzln5i6iq4zz5swb34om",
    "bafkreiack4ucqm3axeqmyaqzdycrpicw2rcahuwzln5i6iq4zz5swb34oa",
    "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
    "glyph://",
    "",
  ),
  fc.string({ maxLength: 80 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e308, -0, 2 ** 53, 2 ** 64, 1e-300),
);

const policy = fc.oneof(
  fc.record(
    {
      max_gas: number,
      max_time: fc.oneof(number, fc.integer({ min: 1, max: 300 })),
      max_memory: number,
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A parsed-JSON execute request, often valid, often wrong in one member. */
const executeDocument = fc.record(
  {
    cid: moduleReference,
    inputs: fc.oneof(
      fc.array(number, { maxLength: 4 }),
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })),
    ),
    policy,
    entry: fc.oneof(fc.constantFrom("main", "add", "nosuch", "", " x"), fc.string()),
    abi: fc.oneof(fc.constantFrom("numeric", "wasi", "other"), fc.jsonValue({ maxDepth: 1 })),
    idempotency_key: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ["cid"] },
);

/** `[[…]]` or `{"a":{…}}` nested `depth` deep, as text (nothing here may recurse on it). */
function nestedText(depth: number, kind: "array" | "object" | "mixed"): string {
  if (kind === "array") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  if (kind === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  return `${'[{"a":'.repeat(depth >> 1)}1${"}]".repeat(depth >> 1)}`;
}

const deepBody = fc
  .tuple(
    fc.constantFrom(1, 10, 63, 64, 65, 200, 2000, 20_000, 100_000),
    fc.constantFrom<"array" | "object" | "mixed">("array", "object", "mixed"),
    fc.boolean(),
  )
  .map(([depth, kind, underInputs]) => {
    const text = nestedText(depth, kind);
    return {
      kind: `deep ${kind} ${depth}`,
      bytes: Buffer.from(
        underInputs ? `{"cid":"glyph://calculator@quantum","inputs":${text}}` : text,
      ),
    };
  });

const wideBody = fc.constantFrom(10, 1000, 99_999, 100_001, 150_000).map((count) => ({
  kind: `wide ${count}`,
  bytes: Buffer.from(
    `{"cid":"glyph://calculator@quantum","inputs":[${Array(count).fill(0).join(",")}]}`,
  ),
}));

const malformedBody = fc.oneof(
  fc.string({ maxLength: 200 }).map((text) => ({ kind: "random text", bytes: Buffer.from(text) })),
  fc.tuple(executeDocument, fc.nat()).map(([document, cut]) => {
    const text = JSON.stringify(document);
    return { kind: "truncated JSON", bytes: Buffer.from(text.slice(0, cut % (text.length + 1))) };
  }),
  fc
    .uint8Array({ maxLength: 300 })
    .map((bytes) => ({ kind: "random bytes", bytes: Buffer.from(bytes) })),
  fc
    .constantFrom(
      "",
      "null",
      "[]",
      "1e999",
      '{"cid":1e999}',
      '{"cid":"glyph://calculator@quantum","inputs":[1e999]}',
      '{"__proto__":{"x":1},"cid":"glyph://calculator@quantum"}',
      '{"constructor":{"prototype":{}},"cid":"glyph://calculator@quantum"}',
      '{"cid":"glyph://calculator@quantum","cid":"x"}',
      `"${"\\u0000".repeat(100)}"`,
      '{"cid":"\\ud800"}',
    )
    .map((text) => ({ kind: "edge JSON", bytes: Buffer.from(text) })),
);

const encodedBody = executeDocument.chain((document) => {
  const text = JSON.stringify(document);
  return fc.constantFrom(
    {
      kind: "utf-8 BOM",
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    },
    { kind: "utf-16le", bytes: Buffer.from(text, "utf16le") },
    { kind: "latin1", bytes: Buffer.from(text.replace(/"$/, 'é"'), "latin1") },
    {
      kind: "invalid utf-8",
      bytes: Buffer.concat([
        Buffer.from(text.slice(0, -1)),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from("}"),
      ]),
    },
  );
});

const body = fc.oneof(
  {
    weight: 6,
    arbitrary: executeDocument.map((document) => ({
      kind: "execute document",
      bytes: Buffer.from(JSON.stringify(document)),
    })),
  },
  { weight: 2, arbitrary: deepBody },
  { weight: 1, arbitrary: wideBody },
  { weight: 3, arbitrary: malformedBody },
  { weight: 1, arbitrary: encodedBody },
  {
    weight: 1,
    arbitrary: fc.constant({ kind: "oversized", bytes: Buffer.alloc(300 * 1024, 0x20) }),
  },
);

type Framing = "length" | "none" | "short" | "chunked" | "bad chunked" | "slow" | "lying length";
const framing = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Framing>("length") },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Framing>(
      "none",
      "short",
      "chunked",
      "bad chunked",
      "slow",
      "lying length",
    ),
  },
);

/** Half the requests go to the execute route, where the body matters most. */
const route = fc.oneof(
  fc.constant<[string, string]>(["POST", "/intent/execute-wasm"]),
  fc.tuple(method, path),
);

/** Now and then a header past Node's 16 KiB limit (Node answers 431 itself). */
const longHeader = fc.oneof(
  { weight: 20, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1000, max: 20_000 })
      .map((length): [string, string][] => [["X-Long", "x".repeat(length)]]),
  },
);

/** Random raw requests. Well-framed ones must be answered; none may be answered with a 5xx. */
export const fuzzRequestArbitrary: fc.Arbitrary<FuzzRequest> = fc
  .tuple(route, identityHeaders, contentType, extraHeaders, longHeader, body, framing)
  .map(([[verb, target], identity, type, extraHeadersDrawn, long, payload, frame]) => {
    const extras = [...extraHeadersDrawn, ...long];
    const headers: [string, string][] = [
      ["Host", "relay.test"],
      ["Connection", "close"],
      ...identity,
    ];
    if (type !== "") headers.push(["Content-Type", type]);
    headers.push(...extras);
    const withBody = verb !== "GET" && verb !== "HEAD" && verb !== "OPTIONS" && verb !== "DELETE";
    let bytes = withBody ? payload.bytes : Buffer.alloc(0);
    let trickle: FuzzRequest["trickle"];
    let mustAnswer = true;
    if (!withBody || frame === "length") {
      headers.push(["Content-Length", String(bytes.length)]);
    } else if (frame === "none") {
      // No length: an empty body for the server.
    } else if (frame === "short") {
      headers.push(["Content-Length", String(bytes.length + 10)]);
    } else if (frame === "lying length") {
      headers.push(["Content-Length", String(Math.max(0, bytes.length - 3))]);
      mustAnswer = false; // the extra bytes are a second, malformed request
    } else if (frame === "chunked" || frame === "bad chunked") {
      headers.push(["Transfer-Encoding", "chunked"]);
      bytes =
        frame === "chunked"
          ? Buffer.concat([
              Buffer.from(`${bytes.length.toString(16)}\r\n`),
              bytes,
              Buffer.from("\r\n0\r\n\r\n"),
            ])
          : Buffer.concat([Buffer.from("zz\r\n"), bytes]);
      mustAnswer = frame === "chunked";
    } else {
      headers.push(["Content-Length", String(bytes.length)]);
      trickle = { chunkBytes: 1, delayMs: 40 };
      bytes = bytes.subarray(0, 40);
    }
    // A server that answers before reading a large body (413, 404, 405) closes with unread
    // bytes in its receive buffer; the TCP reset that follows may discard the answer at the
    // client. Such a request is still checked for a 5xx when its answer arrives.
    if (bytes.length > 64 * 1024) mustAnswer = false;
    // A header over Node's 16 KiB limit is answered 431 by Node itself.
    const head = `${verb} ${target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}`).join("\r\n")}\r\n\r\n`;
    return {
      description: `${verb} ${target.slice(0, 60)} [${payload.kind}, ${frame}]`,
      head,
      body: bytes,
      trickle,
      mustAnswer,
    };
  });

/**
 * Sends one request on a new connection and reads until the server closes it or `waitMs`
 * passes.
 */
export function sendFuzzRequest(
  url: string,
  request: FuzzRequest,
  waitMs: number,
): Promise<FuzzResult> {
  const { hostname, port } = new URL(url);
  return new Promise<FuzzResult>((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let done = false;
    let trickleTimer: ReturnType<typeof setInterval> | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(trickleTimer);
      socket.destroy();
      const text = Buffer.concat(received).toString("latin1");
      // The final status, after any `100 Continue`.
      const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
      const status = statuses.find((code) => code >= 200) ?? statuses[0];
      resolve({ request, status, excerpt: text.slice(0, 300) });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("connect", () => {
      socket.write(request.head);
      if (!request.trickle) {
        if (request.body.length > 0) socket.write(request.body);
        return;
      }
      const { chunkBytes, delayMs } = request.trickle;
      let offset = 0;
      trickleTimer = setInterval(() => {
        if (offset >= request.body.length || socket.destroyed) {
          clearInterval(trickleTimer);
          return;
        }
        socket.write(request.body.subarray(offset, offset + chunkBytes));
        offset += chunkBytes;
      }, delayMs);
    });
  });
}

/** Outcome of a pass: counts by status, and the requests that broke a rule. */
export interface FuzzPassReport {
  requests: number;
  /** Count of answers by status (`none` when no status line came). */
  statuses: Record<string, number>;
  /** Answers with a 5xx status. */
  serverErrors: FuzzResult[];
  /** Well-framed requests that got no answer at all. */
  unanswered: FuzzResult[];
}

/**
 * Sends `requests` with `concurrency` in flight (each on its own connection).
 * @param waitMs longest wait for one answer. @unit milliseconds
 */
export async function runFuzzPass(
  url: string,
  requests: FuzzRequest[],
  options: { concurrency: number; waitMs: number },
): Promise<FuzzPassReport> {
  const report: FuzzPassReport = { requests: 0, statuses: {}, serverErrors: [], unanswered: [] };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as FuzzRequest;
      const result = await sendFuzzRequest(url, request, options.waitMs);
      report.requests++;
      const key = result.status === undefined ? "none" : String(result.status);
      report.statuses[key] = (report.statuses[key] ?? 0) + 1;
      if (result.status !== undefined && result.status >= 500) report.serverErrors.push(result);
      if (result.status === undefined && request.mustAnswer) report.unanswered.push(result);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return report;
}

/** The environment of a server under fuzzing: short timeouts, small limits, no rate limit. */
export const FUZZ_SERVER_ENVIRONMENT: Record<string, string> = {
  RELAY_RATE_LIMIT: "100000000",
  RELAY_WORKERS: "1",
  RELAY_MAX_BODY_BYTES: String(256 * 1024),
  RELAY_HEADERS_TIMEOUT: "500",
  RELAY_REQUEST_TIMEOUT: "300",
  RELAY_DEFAULT_MAX_TIME: "300",
  RELAY_LIMIT_MAX_TIME: "300",
  RELAY_DEFAULT_MAX_GAS: "1000000",
  RELAY_LIMIT_MAX_GAS: "10000000",
};

/** The server's resident set size, from its own `GET /metrics`. @unit bytes */
export async function residentBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(text);
  if (!found?.[1]) throw new Error("GET /metrics has no process_resident_memory_bytes");
  return Number(found[1]);
}
