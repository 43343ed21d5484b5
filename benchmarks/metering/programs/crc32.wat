;; CRC-32 (IEEE, table-driven): main(n) computes the CRC of n bytes of generated data
;; (n <= 4 MiB; byte k = (k * 31 + 7) & 255). The table lives at 0, the data at 1024.
(module
  (memory 70)
  (func $build_table
    (local $i i32) (local $c i32) (local $k i32)
    (block $done
      (loop $entries
        (br_if $done (i32.ge_u (local.get $i) (i32.const 256)))
        (local.set $c (local.get $i))
        (local.set $k (i32.const 0))
        (block $bits_done
          (loop $bits
            (br_if $bits_done (i32.ge_u (local.get $k) (i32.const 8)))
            (local.set $c
              (if (result i32) (i32.and (local.get $c) (i32.const 1))
                (then (i32.xor (i32.const 0xedb88320) (i32.shr_u (local.get $c) (i32.const 1))))
                (else (i32.shr_u (local.get $c) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $bits)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $entries))))
  (func (export "main") (param $n i32) (result i32)
    (local $k i32) (local $crc i32)
    (call $build_table)
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $k) (local.get $n)))
        (i32.store8 (i32.add (i32.const 1024) (local.get $k))
          (i32.add (i32.mul (local.get $k) (i32.const 31)) (i32.const 7)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $fill)))
    (local.set $crc (i32.const -1))
    (local.set $k (i32.const 0))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $crc
          (i32.xor
            (i32.load
              (i32.shl
                (i32.and
                  (i32.xor (local.get $crc) (i32.load8_u (i32.add (i32.const 1024) (local.get $k))))
                  (i32.const 255))
                (i32.const 2)))
            (i32.shr_u (local.get $crc) (i32.const 8))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $bytes)))
    (i32.xor (local.get $crc) (i32.const -1))))
