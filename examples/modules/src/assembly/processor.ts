// The `processor` example: a WASI preview1 command written in AssemblyScript.
// stdin:  {"text": "hello world", "options": {"uppercase": true, "reverse": false}}
// stdout: {"text":"HELLO WORLD","length":11,"words":2,"uppercase":true,"reverse":false}
// Bad input: a message on stderr and exit code 1.

@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLength: usize, read: usize): u16;

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLength: usize, written: usize): u16;

@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

const CHUNK: i32 = 4096;

function readStdin(): string {
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
  return String.UTF8.decode(all);
}

function write(fd: u32, text: string): void {
  const data = String.UTF8.encode(text);
  const iov = new ArrayBuffer(8);
  const written = new ArrayBuffer(4);
  store<u32>(changetype<usize>(iov), <u32>changetype<usize>(data));
  store<u32>(changetype<usize>(iov), <u32>data.byteLength, 4);
  fd_write(fd, changetype<usize>(iov), 1, changetype<usize>(written));
}

function fail(message: string): void {
  write(2, "processor: " + message + "\n");
  proc_exit(1);
}

/** A small JSON reader: enough for the input document, skipping values it does not use. */
class Reader {
  position: i32 = 0;
  failed: bool = false;
  constructor(public text: string) {}

  skipSpace(): void {
    while (this.position < this.text.length) {
      const code = this.text.charCodeAt(this.position);
      if (code != 0x20 && code != 0x09 && code != 0x0a && code != 0x0d) return;
      this.position++;
    }
  }

  peek(): i32 {
    this.skipSpace();
    return this.position < this.text.length ? this.text.charCodeAt(this.position) : -1;
  }

  expect(code: i32): void {
    if (this.peek() != code) {
      this.failed = true;
      return;
    }
    this.position++;
  }

  readString(): string {
    this.expect(0x22);
    let out = "";
    while (!this.failed) {
      if (this.position >= this.text.length) {
        this.failed = true;
        break;
      }
      const code = this.text.charCodeAt(this.position++);
      if (code == 0x22) break;
      if (code != 0x5c) {
        out += String.fromCharCode(code);
        continue;
      }
      const escaped = this.text.charCodeAt(this.position++);
      if (escaped == 0x6e) out += "\n";
      else if (escaped == 0x74) out += "\t";
      else if (escaped == 0x72) out += "\r";
      else if (escaped == 0x62) out += "\b";
      else if (escaped == 0x66) out += "\f";
      else if (escaped == 0x75) {
        out += String.fromCharCode(<i32>parseInt(this.text.substring(this.position, this.position + 4), 16));
        this.position += 4;
      } else out += String.fromCharCode(escaped);
    }
    return out;
  }

  readBoolean(): bool {
    if (this.peek() == 0x74 && this.text.substring(this.position, this.position + 4) == "true") {
      this.position += 4;
      return true;
    }
    if (this.peek() == 0x66 && this.text.substring(this.position, this.position + 5) == "false") {
      this.position += 5;
      return false;
    }
    this.failed = true;
    return false;
  }

  skipValue(): void {
    const code = this.peek();
    if (code == 0x22) {
      this.readString();
    } else if (code == 0x7b || code == 0x5b) {
      const close = code == 0x7b ? 0x7d : 0x5d;
      this.position++;
      if (this.peek() == close) {
        this.position++;
        return;
      }
      while (!this.failed) {
        if (code == 0x7b) {
          this.readString();
          this.expect(0x3a);
        }
        this.skipValue();
        if (this.peek() == 0x2c) this.position++;
        else break;
      }
      this.expect(close);
    } else {
      while (this.position < this.text.length) {
        const next = this.text.charCodeAt(this.position);
        if (next == 0x2c || next == 0x7d || next == 0x5d || next == 0x20 || next == 0x0a) break;
        this.position++;
      }
    }
  }
}

function quote(text: string): string {
  let out = "\"";
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code == 0x22) out += "\\\"";
    else if (code == 0x5c) out += "\\\\";
    else if (code == 0x0a) out += "\\n";
    else if (code == 0x0d) out += "\\r";
    else if (code == 0x09) out += "\\t";
    else if (code < 0x20) out += "\\u00" + (code < 0x10 ? "0" : "") + code.toString(16);
    else out += String.fromCharCode(code);
  }
  return out + "\"";
}

function countWords(text: string): i32 {
  let words = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const space = code == 0x20 || code == 0x09 || code == 0x0a || code == 0x0d;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

function reverse(text: string): string {
  let out = "";
  for (let index = text.length - 1; index >= 0; index--) out += String.fromCharCode(text.charCodeAt(index));
  return out;
}

export function _start(): void {
  const reader = new Reader(readStdin());
  let text = "";
  let hasText = false;
  let uppercase = false;
  let reversed = false;
  reader.expect(0x7b);
  if (reader.peek() != 0x7d) {
    while (!reader.failed) {
      const key = reader.readString();
      reader.expect(0x3a);
      if (key == "text") {
        text = reader.readString();
        hasText = true;
      } else if (key == "options") {
        reader.expect(0x7b);
        if (reader.peek() != 0x7d) {
          while (!reader.failed) {
            const option = reader.readString();
            reader.expect(0x3a);
            if (option == "uppercase") uppercase = reader.readBoolean();
            else if (option == "reverse") reversed = reader.readBoolean();
            else reader.skipValue();
            if (reader.peek() == 0x2c) reader.position++;
            else break;
          }
        }
        reader.expect(0x7d);
      } else reader.skipValue();
      if (reader.peek() == 0x2c) reader.position++;
      else break;
    }
  }
  reader.expect(0x7d);
  if (reader.failed) {
    fail("input must be a JSON object like {\"text\": \"...\", \"options\": {\"uppercase\": true}}");
    return;
  }
  if (!hasText) {
    fail("input has no \"text\" string");
    return;
  }
  let result = uppercase ? text.toUpperCase() : text;
  if (reversed) result = reverse(result);
  write(
    1,
    "{\"text\":" + quote(result) +
      ",\"length\":" + result.length.toString() +
      ",\"words\":" + countWords(result).toString() +
      ",\"uppercase\":" + (uppercase ? "true" : "false") +
      ",\"reverse\":" + (reversed ? "true" : "false") + "}\n",
  );
}
