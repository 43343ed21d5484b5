;; Matrix multiply: main(n) fills two n x n f64 matrices (n <= 256), multiplies them and
;; returns the sum of the product's elements.
(module
  (memory 24)
  (func $index (param $row i32) (param $column i32) (param $n i32) (result i32)
    (i32.shl (i32.add (i32.mul (local.get $row) (local.get $n)) (local.get $column)) (i32.const 3)))
  (func (export "main") (param $n i32) (result f64)
    (local $i i32) (local $j i32) (local $k i32) (local $a i32) (local $b i32) (local $c i32)
    (local $acc f64) (local $sum f64)
    (local.set $a (i32.const 0))
    (local.set $b (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 8)))
    (local.set $c (i32.mul (local.get $b) (i32.const 2)))
    ;; A[i][j] = (i + j) % 7 - 3, B[i][j] = (i * j) % 5 + 0.5
    (local.set $i (i32.const 0))
    (block $filled
      (loop $fill_i
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $row_filled
          (loop $fill_j
            (br_if $row_filled (i32.ge_u (local.get $j) (local.get $n)))
            (f64.store
              (i32.add (local.get $a) (call $index (local.get $i) (local.get $j) (local.get $n)))
              (f64.convert_i32_s
                (i32.sub (i32.rem_u (i32.add (local.get $i) (local.get $j)) (i32.const 7)) (i32.const 3))))
            (f64.store
              (i32.add (local.get $b) (call $index (local.get $i) (local.get $j) (local.get $n)))
              (f64.add (f64.convert_i32_u (i32.rem_u (i32.mul (local.get $i) (local.get $j)) (i32.const 5)))
                (f64.const 0.5)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $fill_j)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill_i)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $loop_i
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $row_done
          (loop $loop_j
            (br_if $row_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (f64.const 0))
            (local.set $k (i32.const 0))
            (block $dot_done
              (loop $loop_k
                (br_if $dot_done (i32.ge_u (local.get $k) (local.get $n)))
                (local.set $acc
                  (f64.add (local.get $acc)
                    (f64.mul
                      (f64.load (i32.add (local.get $a) (call $index (local.get $i) (local.get $k) (local.get $n))))
                      (f64.load (i32.add (local.get $b) (call $index (local.get $k) (local.get $j) (local.get $n)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $loop_k)))
            (f64.store (i32.add (local.get $c) (call $index (local.get $i) (local.get $j) (local.get $n)))
              (local.get $acc))
            (local.set $sum (f64.add (local.get $sum) (local.get $acc)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $loop_j)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop_i)))
    (local.get $sum)))
