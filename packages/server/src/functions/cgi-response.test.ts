import { describe, expect, it } from "vitest";
import { InvalidCgiResponseError, parseCgiResponse } from "./cgi-response.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe("parseCgiResponse", () => {
  it("reads headers ended by LF or CRLF, Status, and the body as it is", () => {
    for (const newline of ["\n", "\r\n"]) {
      const response = parseCgiResponse(
        bytes(
          `Content-Type: text/plain${newline}Status: 404 Not Found${newline}X-A:  b ${newline}${newline}body\r\n\n`,
        ),
      );
      expect(response.status).toBe(404);
      expect(response.headers).toEqual([
        ["Content-Type", "text/plain"],
        ["X-A", "b"],
      ]);
      expect(text(response.body)).toBe("body\r\n\n");
    }
  });

  it("an empty header block is 200 application/octet-stream; Location alone is 302", () => {
    expect(parseCgiResponse(bytes("\nraw"))).toMatchObject({
      status: 200,
      headers: [["Content-Type", "application/octet-stream"]],
    });
    expect(text(parseCgiResponse(bytes("\r\nraw")).body)).toBe("raw");
    expect(parseCgiResponse(bytes("Location: https://example.com/x\n\n")).status).toBe(302);
    expect(parseCgiResponse(bytes("Status: 201\nLocation: /a\n\n")).status).toBe(201);
  });

  it("refuses what it does not pass on", () => {
    for (const output of [
      "",
      "no blank line",
      "Status: 200\nStatus: 201\n\n",
      "Content-Type: nonsense\n\n",
      "Content-Type: a/b\nContent-Type: c/d\n\n",
      "Set-Cookie2: a=1\n\n",
      "RateLimit: r=1\n\n",
      "Retry-After: 1\n\n",
      "Location: /a\nLocation: /b\n\n",
      ":no-name\n\n",
    ]) {
      expect(() => parseCgiResponse(bytes(output)), output).toThrow(InvalidCgiResponseError);
    }
  });

  it("bounds the header block in bytes and lines", () => {
    const limits = { maxHeaderBytes: 32, maxHeaders: 2 };
    expect(() => parseCgiResponse(bytes(`X-A: ${"a".repeat(40)}\n\n`), limits)).toThrow(
      /over 32 bytes/,
    );
    expect(() => parseCgiResponse(bytes("X-A: 1\nX-B: 2\nX-C: 3\n\n"), limits)).toThrow(
      /3 header lines/,
    );
    expect(parseCgiResponse(bytes(`X-A: 1\n\n${"b".repeat(100)}`), limits).body.length).toBe(100);
  });
});
