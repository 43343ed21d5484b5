/**
 * An in-memory WASI preview1 implementation for one run: args, an environment (empty unless
 * given: a `cgi` run's CGI variables), stdin
 * from a buffer, bounded stdout and stderr, clocks and random. No filesystem, no sockets: every
 * other function answers ENOSYS.
 */

import { DeterministicRandom } from "./deterministic-random.js";

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_FAULT = 21;
const ERRNO_INVAL = 28;
const ERRNO_NOSYS = 52;
const ERRNO_SPIPE = 70;

/**
 * Gas the WASI functions charge, subtracted from the module's gas counter during the call, so
 * that work proportional to the arguments is paid for like the module's own instructions
 * (about 0.5 ns per gas on the reference machine; copying a byte takes 0.13 ns, a random byte
 * 0.48 ns, reading one iovec and making its view about 50 ns).
 */
export const WASI_GAS = {
  /** Every call of any WASI function (the host call itself). @unit gas */
  call: 100,
  /** Every iovec `fd_write` or `fd_read` walks. @unit gas per iovec */
  iovec: 100,
  /**
   * Every byte written (`fd_write`, counted as requested, even when a bound drops it), read
   * (`fd_read`), made random (`random_get`) or copied out (`args_get`). @unit gas per byte
   */
  byte: 1,
} as const;

/**
 * Thrown by `proc_exit` to unwind the module, and by every WASI call after it: the exit is
 * final even when the module catches the exception (`catch_all`).
 */
export class ProcessExit extends Error {
  override readonly name = "ProcessExit";
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
  }
}

/** Thrown when stdout exceeds its bound. */
export class OutputTooLargeError extends Error {
  override readonly name = "OutputTooLargeError";
}

/**
 * Where a run's clocks and randomness come from. `system`: the real clocks and
 * `crypto.getRandomValues`. `deterministic`: every clock reads the gas spent so far as
 * nanoseconds (the realtime clock from {@link DETERMINISTIC_EPOCH_NANOSECONDS}), and
 * `random_get` draws from {@link DeterministicRandom} seeded by `seed` (docs/determinism.md).
 */
export type WasiEntropy =
  | { kind: "system" }
  | {
      kind: "deterministic";
      /** At least 16 bytes (the first 16 are the generator's state). */
      seed: Uint8Array;
      /** Gas the module has spent so far (one gas reads as one nanosecond). */
      elapsedNanoseconds(): bigint;
    };

/**
 * What the realtime clock (id 0) of a deterministic run reads before the module has spent any
 * gas: 2024-01-01T00:00:00Z. @unit nanoseconds since the Unix epoch
 */
export const DETERMINISTIC_EPOCH_NANOSECONDS = 1_704_067_200n * 1_000_000_000n;

/** Options of {@link createWasiPreview1}. */
export interface WasiOptions {
  args: string[];
  /** Environment entries, each `NAME=value`. @default none */
  environment?: readonly string[] | undefined;
  stdin: Uint8Array;
  /** Most stdout bytes; one more stops the module. @unit bytes */
  maxStdoutBytes: number;
  /** Most stderr bytes kept. @unit bytes */
  maxStderrBytes: number;
  /**
   * Charges gas for the work a call does (see {@link WASI_GAS}); called before the work.
   * @default no charge
   */
  charge?(gas: number): void;
  /** Where clocks and randomness come from. @default { kind: "system" } */
  entropy?: WasiEntropy;
  /**
   * Called once, when the module calls `proc_exit`, before the exception unwinds it: the place
   * to record the gas used and make the module unable to go on.
   */
  onExit?(code: number): void;
}

/** One run's WASI: the import functions plus what the module wrote. */
export interface WasiInstance {
  /** Functions for the `wasi_snapshot_preview1` import module. */
  imports: Record<string, (...args: never[]) => unknown>;
  /** Gives the implementation the instance's memory (after instantiation). */
  bindMemory(memory: WebAssembly.Memory): void;
  stdout(): Uint8Array;
  stderr(): string;
  /** True when stdout went over its bound. */
  readonly stdoutOverflowed: boolean;
  /** The code the module passed to `proc_exit`, once it has; undefined before. */
  readonly exitCode: number | undefined;
}

class BoundedSink {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  /** Appends and returns false when the limit cut the data. */
  write(data: Uint8Array): boolean {
    const room = this.limit - this.size;
    if (data.length <= room) {
      this.chunks.push(data.slice());
      this.size += data.length;
      return true;
    }
    if (room > 0) this.chunks.push(data.slice(0, room));
    this.size += Math.max(room, 0);
    this.dropped += data.length - Math.max(room, 0);
    return false;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** All preview1 function names; those not implemented answer ENOSYS. */
const PREVIEW1_FUNCTIONS = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
];

/** Creates the WASI preview1 imports for one run. */
export function createWasiPreview1(options: WasiOptions): WasiInstance {
  let memory: WebAssembly.Memory | undefined;
  const stdout = new BoundedSink(options.maxStdoutBytes);
  const stderr = new BoundedSink(options.maxStderrBytes);
  let stdinOffset = 0;
  let stdoutOverflowed = false;
  let exitCode: number | undefined;
  const args = options.args.map((arg) => encoder.encode(`${arg}\0`));
  const environment = (options.environment ?? []).map((entry) => encoder.encode(`${entry}\0`));
  const charge = options.charge ?? (() => {});
  const entropy = options.entropy ?? { kind: "system" };
  const random =
    entropy.kind === "deterministic" ? new DeterministicRandom(entropy.seed) : undefined;
  const clockNanoseconds = (id: number): bigint => {
    if (entropy.kind === "deterministic") {
      const elapsed = entropy.elapsedNanoseconds();
      return id === 0 ? DETERMINISTIC_EPOCH_NANOSECONDS + elapsed : elapsed;
    }
    return id === 0
      ? BigInt(Date.now()) * 1_000_000n
      : BigInt(Math.round((performance.timeOrigin + performance.now()) * 1_000_000));
  };

  const view = () => {
    if (!memory) throw new RangeError("the module exports no memory");
    return new DataView(memory.buffer);
  };
  const bytesAt = (pointer: number, length: number) => {
    if (!memory) throw new RangeError("the module exports no memory");
    return new Uint8Array(memory.buffer, pointer, length);
  };
  const guarded =
    <Args extends unknown[]>(body: (...args: Args) => number) =>
    (...args: Args): number => {
      try {
        return body(...args);
      } catch (error) {
        if (error instanceof RangeError) return ERRNO_FAULT;
        throw error;
      }
    };

  const implemented: Record<string, (...args: never[]) => unknown> = {
    args_sizes_get: guarded((countPointer: number, sizePointer: number) => {
      const data = view();
      data.setUint32(countPointer, args.length, true);
      data.setUint32(
        sizePointer,
        args.reduce((sum, arg) => sum + arg.length, 0),
        true,
      );
      return ERRNO_SUCCESS;
    }),
    args_get: guarded((argvPointer: number, bufferPointer: number) => {
      const data = view();
      charge(args.reduce((sum, arg) => sum + arg.length, 0) * WASI_GAS.byte);
      let offset = bufferPointer;
      args.forEach((arg, index) => {
        data.setUint32(argvPointer + index * 4, offset, true);
        bytesAt(offset, arg.length).set(arg);
        offset += arg.length;
      });
      return ERRNO_SUCCESS;
    }),
    environ_sizes_get: guarded((countPointer: number, sizePointer: number) => {
      const data = view();
      data.setUint32(countPointer, environment.length, true);
      data.setUint32(
        sizePointer,
        environment.reduce((sum, entry) => sum + entry.length, 0),
        true,
      );
      return ERRNO_SUCCESS;
    }),
    environ_get: guarded((environPointer: number, bufferPointer: number) => {
      const data = view();
      charge(environment.reduce((sum, entry) => sum + entry.length, 0) * WASI_GAS.byte);
      let offset = bufferPointer;
      environment.forEach((entry, index) => {
        data.setUint32(environPointer + index * 4, offset, true);
        bytesAt(offset, entry.length).set(entry);
        offset += entry.length;
      });
      return ERRNO_SUCCESS;
    }),
    clock_res_get: guarded((id: number, resultPointer: number) => {
      if (id > 3) return ERRNO_INVAL;
      view().setBigUint64(resultPointer, 1000n, true);
      return ERRNO_SUCCESS;
    }),
    clock_time_get: guarded((id: number, _precision: bigint, resultPointer: number) => {
      if (id > 3) return ERRNO_INVAL;
      view().setBigUint64(resultPointer, clockNanoseconds(id), true);
      return ERRNO_SUCCESS;
    }),
    fd_write: guarded((fd: number, iovs: number, iovsLength: number, writtenPointer: number) => {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const data = view();
      let written = 0;
      for (let index = 0; index < iovsLength; index++) {
        const pointer = data.getUint32(iovs + index * 8, true);
        const length = data.getUint32(iovs + index * 8 + 4, true);
        charge(WASI_GAS.iovec + length * WASI_GAS.byte);
        const chunk = bytesAt(pointer, length);
        if (fd === 1 && !stdout.write(chunk)) {
          stdoutOverflowed = true;
          throw new OutputTooLargeError(`stdout is over ${options.maxStdoutBytes} bytes`);
        }
        if (fd === 2) stderr.write(chunk);
        written += length;
      }
      data.setUint32(writtenPointer, written, true);
      return ERRNO_SUCCESS;
    }),
    fd_read: guarded((fd: number, iovs: number, iovsLength: number, readPointer: number) => {
      if (fd !== 0) return ERRNO_BADF;
      const data = view();
      let read = 0;
      for (let index = 0; index < iovsLength; index++) {
        const pointer = data.getUint32(iovs + index * 8, true);
        const length = data.getUint32(iovs + index * 8 + 4, true);
        charge(WASI_GAS.iovec);
        const chunk = options.stdin.subarray(stdinOffset, stdinOffset + length);
        bytesAt(pointer, chunk.length).set(chunk);
        charge(chunk.length * WASI_GAS.byte);
        stdinOffset += chunk.length;
        read += chunk.length;
        if (chunk.length < length) break;
      }
      data.setUint32(readPointer, read, true);
      return ERRNO_SUCCESS;
    }),
    fd_close: (fd: number) => (fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF),
    fd_fdstat_get: guarded((fd: number, pointer: number) => {
      if (fd > 2) return ERRNO_BADF;
      const data = view();
      data.setUint8(pointer, 2); // character device
      data.setUint16(pointer + 2, 0, true);
      const rights = fd === 0 ? 1n << 1n : 1n << 6n; // fd_read or fd_write
      data.setBigUint64(pointer + 8, rights, true);
      data.setBigUint64(pointer + 16, 0n, true);
      return ERRNO_SUCCESS;
    }),
    fd_prestat_get: () => ERRNO_BADF,
    fd_prestat_dir_name: () => ERRNO_BADF,
    fd_seek: (fd: number) => (fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF),
    fd_tell: (fd: number) => (fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF),
    fd_sync: (fd: number) => (fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF),
    proc_exit: (code: number) => {
      exitCode = code;
      options.onExit?.(code);
      throw new ProcessExit(code);
    },
    sched_yield: () => ERRNO_SUCCESS,
    random_get: guarded((pointer: number, length: number) => {
      const target = bytesAt(pointer, length);
      charge(length * WASI_GAS.byte);
      if (random) {
        random.fill(target);
        return ERRNO_SUCCESS;
      }
      for (let offset = 0; offset < length; offset += 65536) {
        crypto.getRandomValues(target.subarray(offset, Math.min(length, offset + 65536)));
      }
      return ERRNO_SUCCESS;
    }),
  };

  const imports: Record<string, (...args: never[]) => unknown> = {};
  for (const name of PREVIEW1_FUNCTIONS) {
    const body = (implemented[name] ?? (() => ERRNO_NOSYS)) as (...args: unknown[]) => unknown;
    imports[name] = (...callArguments: unknown[]) => {
      // After proc_exit nothing runs: a module that caught the exit is unwound again.
      if (exitCode !== undefined) throw new ProcessExit(exitCode);
      charge(WASI_GAS.call);
      return body(...callArguments);
    };
  }

  return {
    imports,
    bindMemory(value) {
      memory = value;
    },
    stdout: () => stdout.bytes(),
    stderr() {
      const text = decoder.decode(stderr.bytes());
      return stderr.dropped > 0 ? `${text}\n[stderr cut: ${stderr.dropped} more bytes]` : text;
    },
    get stdoutOverflowed() {
      return stdoutOverflowed;
    },
    get exitCode() {
      return exitCode;
    },
  };
}
