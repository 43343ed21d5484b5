;; Issue 12, item 4 (found by the gas-determinism-after-trap check, e.g. seed 5 of
;; `npm run fuzz -- --seed 1`): a run that spends gas and then traps is billed the counter's
;; value at the last refill, so gas_used depends on the refill chunk and on max_gas.
;; Expected: gas after the trap identical for chunk 1000, 65536 and 4 Mi.
(module
  (func (export "main")
    (local $i i32)
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100000))))
    unreachable))
