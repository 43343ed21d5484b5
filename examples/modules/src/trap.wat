;; Traps: `main` reaches unreachable, `divide(a, b)` traps on b = 0.
(module
  (func (export "main")
    unreachable)
  (func (export "divide") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.div_s))
