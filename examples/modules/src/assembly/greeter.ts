// The `greeter` example: a WASI preview1 command in AssemblyScript that answers an HTTP request
// the CGI way (served by the relay at /fn/greeter@quantum/…, see docs/functions.md).
// Reads: QUERY_STRING's `name` parameter (default "world"), REQUEST_METHOD, PATH_INFO, the body
// on stdin. Writes: a CGI response with `Content-Type`, `X-Greeting-Name` (the name) and
// `Status` 201 when a body was sent (200 otherwise), then a line of text saying what it got.
// It does not sanitise the name: a name holding CR/LF makes a malformed header, which the relay
// refuses (502) rather than pass on.

@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLength: usize, read: usize): u16;

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLength: usize, written: usize): u16;

@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function environ_sizes_get(count: usize, size: usize): u16;

@external("wasi_snapshot_preview1", "environ_get")
declare function environ_get(environ: usize, buffer: usize): u16;

const CHUNK: i32 = 4096;

function readStdin(): ArrayBuffer {
  const chunks = new Array<ArrayBuffer>();
  let total = 0;
  const iov = new ArrayBuffer(8);
  const count = new ArrayBuffer(4);
  while (true) {
    const chunk = new ArrayBuffer(CHUNK);
    store<u32>(changetype<usize>(iov), <u32>changetype<usize>(chunk));
    store<u32>(changetype<usize>(iov), <u32>CHUNK, 4);
    if (fd_read(0, changetype<usize>(iov), 1, changetype<usize>(count)) != 0) break;
    const read = <i32>load<u32>(changetype<usize>(count));
    if (read == 0) break;
    chunks.push(chunk.slice(0, read));
    total += read;
  }
  const all = new ArrayBuffer(total);
  let offset = 0;
  for (let index = 0; index < chunks.length; index++) {
    const chunk = chunks[index];
    memory.copy(changetype<usize>(all) + offset, changetype<usize>(chunk), chunk.byteLength);
    offset += chunk.byteLength;
  }
  return all;
}

function write(text: string): void {
  const data = String.UTF8.encode(text);
  const iov = new ArrayBuffer(8);
  const written = new ArrayBuffer(4);
  store<u32>(changetype<usize>(iov), <u32>changetype<usize>(data));
  store<u32>(changetype<usize>(iov), <u32>data.byteLength, 4);
  fd_write(1, changetype<usize>(iov), 1, changetype<usize>(written));
}

/** The value of environment variable `name`, or "" when it is not set. */
function getenv(name: string): string {
  const sizes = new ArrayBuffer(8);
  environ_sizes_get(changetype<usize>(sizes), changetype<usize>(sizes) + 4);
  const count = <i32>load<u32>(changetype<usize>(sizes));
  const size = <i32>load<u32>(changetype<usize>(sizes), 4);
  const pointers = new ArrayBuffer(count * 4);
  const buffer = new ArrayBuffer(size);
  environ_get(changetype<usize>(pointers), changetype<usize>(buffer));
  const prefix = name + "=";
  let start = 0;
  for (let index = 0; index < size; index++) {
    if (load<u8>(changetype<usize>(buffer) + index) != 0) continue;
    const entry = String.UTF8.decodeUnsafe(changetype<usize>(buffer) + start, index - start);
    if (entry.startsWith(prefix)) return entry.substring(prefix.length);
    start = index + 1;
  }
  return "";
}

function hexValue(code: i32): i32 {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

/** Decodes `+` and `%XX` of a query component (bytes, then UTF-8). */
function decodeComponent(text: string): string {
  const bytes = new Array<u8>();
  const encoded = String.UTF8.encode(text);
  const length = encoded.byteLength;
  for (let index = 0; index < length; index++) {
    const code = <i32>load<u8>(changetype<usize>(encoded) + index);
    if (code == 0x2b) {
      bytes.push(0x20);
    } else if (code == 0x25 && index + 2 < length) {
      const high = hexValue(<i32>load<u8>(changetype<usize>(encoded) + index + 1));
      const low = hexValue(<i32>load<u8>(changetype<usize>(encoded) + index + 2));
      if (high < 0 || low < 0) {
        bytes.push(<u8>code);
        continue;
      }
      bytes.push(<u8>((high << 4) | low));
      index += 2;
    } else {
      bytes.push(<u8>code);
    }
  }
  const out = new ArrayBuffer(bytes.length);
  for (let index = 0; index < bytes.length; index++) store<u8>(changetype<usize>(out) + index, bytes[index]);
  return String.UTF8.decode(out);
}

/** The first value of `name` in a query string, or `fallback`. */
function queryParameter(query: string, name: string, fallback: string): string {
  const pairs = query.split("&");
  for (let index = 0; index < pairs.length; index++) {
    const pair = pairs[index];
    const equals = pair.indexOf("=");
    const key = decodeComponent(equals < 0 ? pair : pair.substring(0, equals));
    if (key == name) return equals < 0 ? "" : decodeComponent(pair.substring(equals + 1));
  }
  return fallback;
}

export function _start(): void {
  const name = queryParameter(getenv("QUERY_STRING"), "name", "world");
  const method = getenv("REQUEST_METHOD");
  const path = getenv("PATH_INFO");
  const body = readStdin();
  const sent = body.byteLength > 0;
  write(
    "Content-Type: text/plain; charset=utf-8\n" +
      "Status: " + (sent ? "201 Created" : "200 OK") + "\n" +
      "X-Greeting-Name: " + name + "\n" +
      "\n" +
      "Hello, " + name + "! " + method + " " + (path == "" ? "/" : path) +
      (sent ? " with " + body.byteLength.toString() + " bytes: " + String.UTF8.decode(body) : " without a body") +
      "\n",
  );
}
