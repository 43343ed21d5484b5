import { wat } from "./wat.js";

/**
 * A WASI command that shows everything a module can learn of time and chance: it reads stdin
 * (up to 256 bytes), reads the realtime and monotonic clocks, draws 32 random bytes plus one
 * per stdin byte, and prints the clocks and the first 32 random bytes as a hex JSON string on
 * stdout and echoes stdin on stderr. Its gas depends on the length of stdin.
 */
export const entropyModule = wat(`(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 900) "0123456789abcdef")
  (func $hex (param $from i32) (param $length i32) (param $to i32)
    (local $i i32) (local $b i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $length)))
      (local.set $b (i32.load8_u (i32.add (local.get $from) (local.get $i))))
      (i32.store8 (i32.add (local.get $to) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 900) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (local.get $to) (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 900) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "_start")
    (i32.store (i32.const 64) (i32.const 1024))
    (i32.store (i32.const 68) (i32.const 256))
    (drop (call $read (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 72)))
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0)))
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 8)))
    (drop (call $random (i32.const 16) (i32.const 32)))
    (drop (call $random (i32.const 4096) (i32.load (i32.const 72))))
    (call $hex (i32.const 0) (i32.const 48) (i32.const 2049))
    (i32.store8 (i32.const 2048) (i32.const 34))
    (i32.store8 (i32.const 2145) (i32.const 34))
    (i32.store (i32.const 80) (i32.const 2048))
    (i32.store (i32.const 84) (i32.const 98))
    (drop (call $write (i32.const 1) (i32.const 80) (i32.const 1) (i32.const 88)))
    (i32.store (i32.const 84) (i32.load (i32.const 72)))
    (i32.store (i32.const 80) (i32.const 1024))
    (drop (call $write (i32.const 2) (i32.const 80) (i32.const 1) (i32.const 88)))))`);

/** The realtime clock, monotonic clock and 32 random bytes the module printed. */
export function readEntropy(output: unknown): {
  realtime: bigint;
  monotonic: bigint;
  random: string;
} {
  if (typeof output !== "string" || output.length !== 96)
    throw new Error(`unexpected output ${String(output)}`);
  const word = (hex: string) => {
    let value = 0n;
    for (let index = 14; index >= 0; index -= 2)
      value = value * 256n + BigInt(`0x${hex.slice(index, index + 2)}`);
    return value;
  };
  return {
    realtime: word(output.slice(0, 16)),
    monotonic: word(output.slice(16, 32)),
    random: output.slice(32),
  };
}
