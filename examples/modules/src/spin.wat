;; Never returns: for timeout and gas-exhaustion tests.
(module
  (func (export "main")
    (loop $forever
      br $forever)))
