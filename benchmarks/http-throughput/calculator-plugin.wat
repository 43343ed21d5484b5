;; Peer (c)'s plug-in: the calculator's `main(a, b)` as an Extism plug-in, written by hand against
;; the Extism kernel (`extism:host/env`), since no PDK toolchain is at hand. Assembled with wabt at
;; benchmark start (extism-server.mjs).
;;
;; Export `main` (no parameters, returns 0 on success, 1 on bad input), as an Extism PDK would build:
;; - input: the JSON text `[a,b]` (two integers, optional minus sign, JSON whitespace allowed,
;;   at most 64 bytes), read through input_length / input_load_u64 / input_load_u8;
;; - output: a + b as decimal text, with the calculator's i32 wrapping addition (digits are
;;   accumulated modulo 2^32, so any integer input wraps exactly like ToInt32 does in peer (b));
;; - bad input: error_set("bad input: expected [a,b] with two integers"), return 1.
;;
;; Linear memory: [0, 64) the input copy, [64, 80) the output digits, [96, 139) the error text.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))

  (memory (export "memory") 1)
  (data (i32.const 96) "bad input: expected [a,b] with two integers")

  (global $position (mut i32) (i32.const 0))
  (global $end (mut i32) (i32.const 0))
  (global $failed (mut i32) (i32.const 0))

  ;; Copies `length` bytes of the input to memory offset 0: 8 bytes at a time, then the tail.
  (func $copy_input (param $length i32)
    (local $offset i32)
    (block $words_done
      (loop $words
        (br_if $words_done (i32.gt_u (i32.add (local.get $offset) (i32.const 8)) (local.get $length)))
        (i64.store (local.get $offset) (call $input_load_u64 (i64.extend_i32_u (local.get $offset))))
        (local.set $offset (i32.add (local.get $offset) (i32.const 8)))
        (br $words)))
    (block $bytes_done
      (loop $bytes
        (br_if $bytes_done (i32.ge_u (local.get $offset) (local.get $length)))
        (i32.store8 (local.get $offset) (call $input_load_u8 (i64.extend_i32_u (local.get $offset))))
        (local.set $offset (i32.add (local.get $offset) (i32.const 1)))
        (br $bytes))))

  ;; The byte at the read position, or -1 at the end of the input.
  (func $peek (result i32)
    (if (result i32) (i32.lt_u (global.get $position) (global.get $end))
      (then (i32.load8_u (global.get $position)))
      (else (i32.const -1))))

  (func $skip_whitespace
    (local $byte i32)
    (block $done
      (loop $next
        (local.set $byte (call $peek))
        (br_if $done
          (i32.eqz
            (i32.or
              (i32.or (i32.eq (local.get $byte) (i32.const 0x20)) (i32.eq (local.get $byte) (i32.const 0x09)))
              (i32.or (i32.eq (local.get $byte) (i32.const 0x0a)) (i32.eq (local.get $byte) (i32.const 0x0d))))))
        (global.set $position (i32.add (global.get $position) (i32.const 1)))
        (br $next))))

  ;; Skips whitespace, then consumes `byte` or marks the input as failed.
  (func $expect (param $byte i32)
    (call $skip_whitespace)
    (if (i32.eq (call $peek) (local.get $byte))
      (then (global.set $position (i32.add (global.get $position) (i32.const 1))))
      (else (global.set $failed (i32.const 1)))))

  ;; Skips whitespace and reads an integer (optional minus, at least one digit), modulo 2^32.
  (func $parse_integer (result i32)
    (local $negative i32)
    (local $value i32)
    (local $digits i32)
    (local $digit i32)
    (call $skip_whitespace)
    (if (i32.eq (call $peek) (i32.const 0x2d))
      (then
        (local.set $negative (i32.const 1))
        (global.set $position (i32.add (global.get $position) (i32.const 1)))))
    (block $done
      (loop $next
        (local.set $digit (i32.sub (call $peek) (i32.const 0x30)))
        (br_if $done (i32.gt_u (local.get $digit) (i32.const 9)))
        (local.set $value (i32.add (i32.mul (local.get $value) (i32.const 10)) (local.get $digit)))
        (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
        (global.set $position (i32.add (global.get $position) (i32.const 1)))
        (br $next)))
    (if (i32.eqz (local.get $digits)) (then (global.set $failed (i32.const 1))))
    (if (result i32) (local.get $negative)
      (then (i32.sub (i32.const 0) (local.get $value)))
      (else (local.get $value))))

  ;; Copies `length` bytes from memory `from` into a new Extism block and returns its address.
  (func $to_block (param $from i32) (param $length i32) (result i64)
    (local $address i64)
    (local $index i32)
    (local.set $address (call $alloc (i64.extend_i32_u (local.get $length))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $index) (local.get $length)))
        (call $store_u8
          (i64.add (local.get $address) (i64.extend_i32_u (local.get $index)))
          (i32.load8_u (i32.add (local.get $from) (local.get $index))))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br $next)))
    (local.get $address))

  (func (export "main") (result i32)
    (local $length i64)
    (local $left i32)
    (local $right i32)
    (local $sum i32)
    (local $magnitude i32)
    (local $cursor i32)
    (local $address i64)
    (local.set $length (call $input_length))
    (global.set $failed (i64.gt_u (local.get $length) (i64.const 64)))
    (if (i32.eqz (global.get $failed))
      (then
        (call $copy_input (i32.wrap_i64 (local.get $length)))
        (global.set $position (i32.const 0))
        (global.set $end (i32.wrap_i64 (local.get $length)))
        (call $expect (i32.const 0x5b))
        (local.set $left (call $parse_integer))
        (call $expect (i32.const 0x2c))
        (local.set $right (call $parse_integer))
        (call $expect (i32.const 0x5d))
        (call $skip_whitespace)
        (if (i32.ne (global.get $position) (global.get $end))
          (then (global.set $failed (i32.const 1))))))
    (if (global.get $failed)
      (then
        (call $error_set (call $to_block (i32.const 96) (i32.const 43)))
        (return (i32.const 1))))
    (local.set $sum (i32.add (local.get $left) (local.get $right)))
    ;; Decimal digits from the end of [64, 80) backwards; the magnitude is unsigned (-2^31 fits).
    (local.set $magnitude
      (if (result i32) (i32.lt_s (local.get $sum) (i32.const 0))
        (then (i32.sub (i32.const 0) (local.get $sum)))
        (else (local.get $sum))))
    (local.set $cursor (i32.const 80))
    (loop $digit
      (local.set $cursor (i32.sub (local.get $cursor) (i32.const 1)))
      (i32.store8 (local.get $cursor) (i32.add (i32.const 0x30) (i32.rem_u (local.get $magnitude) (i32.const 10))))
      (local.set $magnitude (i32.div_u (local.get $magnitude) (i32.const 10)))
      (br_if $digit (local.get $magnitude)))
    (if (i32.lt_s (local.get $sum) (i32.const 0))
      (then
        (local.set $cursor (i32.sub (local.get $cursor) (i32.const 1)))
        (i32.store8 (local.get $cursor) (i32.const 0x2d))))
    (local.set $address
      (call $to_block (local.get $cursor) (i32.sub (i32.const 80) (local.get $cursor))))
    (call $output_set (local.get $address) (i64.extend_i32_u (i32.sub (i32.const 80) (local.get $cursor))))
    (i32.const 0)))
