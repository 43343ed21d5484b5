;; Note (not a failure of the budget bound): memory.copy is charged for its length before it
;; runs, so a copy that traps out of bounds (length -256 = 4 GiB - 256 bytes) is billed, or
;; counted past an exhausted budget, for bytes it never copies (seed 59 of
;; `npm run fuzz -- --seed 1`: 27,124,022 gas past max_gas 1,851,926,169). The refusal
;; happens before the copy, so no work is done past the budget.
(module
  (memory 1)
  (func (export "main")
    (memory.copy (i32.const 0) (i32.const 0) (i32.const -256))))
