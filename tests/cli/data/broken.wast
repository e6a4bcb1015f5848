;; a script that does not parse as a whole
(module (func)
(assert_return (invoke "f")
