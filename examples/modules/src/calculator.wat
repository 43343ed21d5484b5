;; The calculator of the original design: `main(a, b)` returns a + b.
(module
  (func (export "main") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add)
  (func (export "sub") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.sub)
  (func (export "mul") (param $a f64) (param $b f64) (result f64)
    local.get $a
    local.get $b
    f64.mul))
