;; Nested loops: main(n) = sum over i, j < n of (i * j) xor (i + j), as i64.
(module
  (func (export "main") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $sum i64)
    (block $outer_done
      (loop $outer
        (br_if $outer_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $sum
              (i64.add (local.get $sum)
                (i64.extend_i32_u
                  (i32.xor
                    (i32.mul (local.get $i) (local.get $j))
                    (i32.add (local.get $i) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $sum)))
