;; Busy work: `main(n)` counts down from n and returns n; cost grows linearly with n.
(module
  (func (export "main") (param $n i32) (result i32)
    (local $i i32)
    local.get $n
    local.set $i
    (block $done
      (loop $again
        local.get $i
        i32.eqz
        br_if $done
        local.get $i
        i32.const 1
        i32.sub
        local.set $i
        br $again))
    local.get $n))
