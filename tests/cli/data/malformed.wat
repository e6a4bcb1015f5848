(module (func $f (i32.const 0x)))
