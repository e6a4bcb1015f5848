"""Everyday wasmtime-py snippets, written once against a module `w` that is either
`wasmtime` or `heron` (the two spell the API alike). Each returns a plain value that
test_snippets.py compares between the engines; an exception is compared by category."""
from __future__ import annotations

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'


def _inst(w, wat, imports=()):
    store = w.Store()
    module = w.Module(store.engine, wat)
    return store, w.Instance(store, module, list(imports))


def call_add(w):
    store, i = _inst(w, ADD)
    return i.exports(store)["add"](store, 2, 3)


def signed_results(w):
    store, i = _inst(w, ADD)
    return i.exports(store)["add"](store, 0x7FFFFFFF, 1)


def wat2wasm_roundtrip(w):
    store = w.Store()
    m = w.Module(store.engine, bytes(w.wat2wasm(ADD)))
    return [e.name for e in m.exports]


def module_imports_types(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (import "env" "f" (func (param i32) (result i64))) '
                               '(import "env" "m" (memory 1 2)) (import "env" "g" (global (mut f32))) '
                               '(import "env" "t" (table 3 funcref)))')
    out = []
    for imp in m.imports:
        t = imp.type
        if isinstance(t, w.FuncType):
            out.append((imp.module, imp.name, [str(p) for p in t.params], [str(r) for r in t.results]))
        elif isinstance(t, w.MemoryType):
            out.append((imp.name, t.limits.min, t.limits.max, t.is_64))
        elif isinstance(t, w.GlobalType):
            out.append((imp.name, str(t.content), t.mutable))
        elif isinstance(t, w.TableType):
            out.append((imp.name, str(t.element), t.limits.min, t.limits.max))
    return out


def module_exports_types(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "f") (param f64)) (memory (export "m") 2) '
                               '(global (export "g") i64 (i64.const 1)))')
    return [(e.name, type(e.type).__name__) for e in m.exports]


def host_function(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (import "" "double" (func $d (param i32) (result i32))) '
                               '(func (export "run") (param i32) (result i32) local.get 0 call $d))')
    f = w.Func(store, w.FuncType([w.ValType.i32()], [w.ValType.i32()]), lambda x: x * 2)
    return w.Instance(store, m, [f]).exports(store)["run"](store, 21)


def host_function_called_directly(w):
    store = w.Store()
    f = w.Func(store, w.FuncType([w.ValType.i32()], [w.ValType.i32()]), lambda x: x + 1)
    return f(store, 41)


def func_type_of_export(w):
    store, i = _inst(w, ADD)
    ty = i.exports(store)["add"].type(store)
    return [str(p) for p in ty.params], [str(r) for r in ty.results]


def multi_value(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "swap") (param i32 f64) (result f64 i32) '
                               'local.get 1 local.get 0))')
    return tuple(w.Instance(store, m, []).exports(store)["swap"](store, 1, 2.5))


def globals_get_set(w):
    store = w.Store()
    g = w.Global(store, w.GlobalType(w.ValType.i32(), True), 5)
    m = w.Module(store.engine, '(module (import "" "g" (global $g (mut i32))) '
                               '(func (export "inc") global.get $g i32.const 1 i32.add global.set $g))')
    w.Instance(store, m, [g]).exports(store)["inc"](store)
    before = g.value(store)
    g.set_value(store, 100)
    return before, g.value(store), g.type(store).mutable, str(g.type(store).content)


def immutable_global_set(w):
    store = w.Store()
    g = w.Global(store, w.GlobalType(w.ValType.i64(), False), 1)
    g.set_value(store, 2)


def exported_global(w):
    store, i = _inst(w, '(module (global (export "g") f64 (f64.const 1.5)))')
    return i.exports(store)["g"].value(store)


def memory_read_write(w):
    store, i = _inst(w, '(module (memory (export "m") 1) (data (i32.const 16) "hello"))')
    mem = i.exports(store)["m"]
    a = mem.read(store, 16, 21)
    mem.write(store, b"HE", 16)
    return bytes(a), bytes(mem.read(store, 16, 21)), type(a).__name__


def memory_read_slices(w):
    store, i = _inst(w, '(module (memory (export "m") 1) (data (i32.const 65530) "abcdef"))')
    mem = i.exports(store)["m"]
    return bytes(mem.read(store, -3)), len(mem.read(store)), bytes(mem.read(store, 65534, 70000))


def memory_write_out_of_bounds(w):
    store = w.Store()
    mem = w.Memory(store, w.MemoryType(w.Limits(1, None)))
    mem.write(store, b"xyz", 65535)


def memory_grow_and_size(w):
    store = w.Store()
    mem = w.Memory(store, w.MemoryType(w.Limits(1, 3)))
    old = mem.grow(store, 2)
    return old, mem.size(store), mem.data_len(store), mem.type(store).limits.min, mem.type(store).limits.max


def memory_grow_beyond_max(w):
    store = w.Store()
    mem = w.Memory(store, w.MemoryType(w.Limits(1, 1)))
    mem.grow(store, 1)


def memory_data_ptr(w):
    store, i = _inst(w, '(module (memory (export "m") 1) (data (i32.const 3) "\\2a"))')
    mem = i.exports(store)["m"]
    p = mem.data_ptr(store)
    p[4] = 7
    return p[3], bytes(mem.read(store, 3, 5))


def table_funcref(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (table (export "t") 2 funcref) (func $f (result i32) i32.const 9) '
                               '(elem (i32.const 1) func $f) (type $t (func (result i32))) '
                               '(func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $t)))')
    e = w.Instance(store, m, []).exports(store)
    t = e["t"]
    f = t.get(store, 1)
    t.set(store, 0, f)
    return t.size(store), e["call"](store, 0), t.get(store, 1) is not None, str(t.type(store).element)


def table_grow(w):
    store = w.Store()
    t = w.Table(store, w.TableType(w.ValType.funcref(), w.Limits(1, 4)), None)
    old = t.grow(store, 2, None)
    return old, t.size(store), t.get(store, 2)


def table_set_not_a_function(w):
    store = w.Store()
    t = w.Table(store, w.TableType(w.ValType.funcref(), w.Limits(1, None)), None)
    t.set(store, 0, "nope")


def externref_table(w):
    store = w.Store()
    t = w.Table(store, w.TableType(w.ValType.externref(), w.Limits(2, None)), None)
    obj = {"k": 1}
    t.set(store, 1, obj)
    return t.get(store, 1) is obj, t.get(store, 0)


def externref_roundtrip(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "id") (param externref) (result externref) local.get 0))')
    obj = object()
    return w.Instance(store, m, []).exports(store)["id"](store, obj) is obj


def trap_unreachable(w):
    store, i = _inst(w, '(module (func (export "f") unreachable))')
    try:
        i.exports(store)["f"](store)
    except w.Trap as t:
        return t.trap_code.name
    return None


def trap_div_zero(w):
    store, i = _inst(w, '(module (func (export "d") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u))')
    try:
        i.exports(store)["d"](store, 0)
    except w.Trap as t:
        return t.trap_code.name
    return None


def trap_oob(w):
    store, i = _inst(w, '(module (memory 1) (func (export "l") (result i32) i32.const 70000 i32.load))')
    try:
        i.exports(store)["l"](store)
    except w.Trap as t:
        return t.trap_code.name
    return None


def trap_frames(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func $inner unreachable) (func $outer call $inner) '
                               '(export "outer" (func $outer)))')
    try:
        w.Instance(store, m, []).exports(store)["outer"](store)
    except w.Trap as t:
        return [(f.func_index, f.func_name) for f in t.frames]
    return None


def stack_overflow(w):
    store, i = _inst(w, '(module (func $f (export "f") call $f))')
    try:
        i.exports(store)["f"](store)
    except w.Trap as t:
        return t.trap_code.name
    return None


def linker_define_func(w):
    engine = w.Engine()
    linker = w.Linker(engine)
    linker.define_func("env", "seven", w.FuncType([], [w.ValType.i32()]), lambda: 7)
    m = w.Module(engine, '(module (import "env" "seven" (func $s (result i32))) '
                         '(func (export "run") (result i32) call $s))')
    results = []
    for _ in range(2):                       # one definition, two stores
        store = w.Store(engine)
        results.append(linker.instantiate(store, m).exports(store)["run"](store))
    return results


def linker_define_instance(w):
    engine = w.Engine()
    store = w.Store(engine)
    linker = w.Linker(engine)
    a = linker.instantiate(store, w.Module(engine, ADD))
    linker.define_instance(store, "a", a)
    m = w.Module(engine, '(module (import "a" "add" (func $add (param i32 i32) (result i32))) '
                         '(func (export "run") (result i32) i32.const 4 i32.const 5 call $add))')
    return linker.instantiate(store, m).exports(store)["run"](store)


def linker_unknown_import(w):
    engine = w.Engine()
    store = w.Store(engine)
    w.Linker(engine).instantiate(store, w.Module(engine, '(module (import "x" "y" (func)))'))


def linker_shadowing(w):
    engine = w.Engine()
    linker = w.Linker(engine)
    ft = w.FuncType([], [])
    linker.define_func("m", "f", ft, lambda: None)
    try:
        linker.define_func("m", "f", ft, lambda: None)
        first = "redefined"
    except Exception:
        first = "refused"
    linker.allow_shadowing = True
    linker.define_func("m", "f", ft, lambda: None)
    return first


def linker_get(w):
    engine = w.Engine()
    store = w.Store(engine)
    linker = w.Linker(engine)
    linker.define(store, "m", "g", w.Global(store, w.GlobalType(w.ValType.i32(), False), 3))
    return linker.get(store, "m", "g").value(store)


def linker_unknown_imports_as_traps(w):
    engine = w.Engine()
    store = w.Store(engine)
    linker = w.Linker(engine)
    m = w.Module(engine, '(module (import "x" "y" (func)) (func (export "run") call 0))')
    linker.define_unknown_imports_as_traps(m)
    run = linker.instantiate(store, m).exports(store)["run"]
    try:
        run(store)
    except (w.Trap, getattr(w, "WasmtimeError", w.Trap), getattr(w, "HeronError", w.Trap)):
        return "failed"
    return "did not fail"


def instance_pre(w):
    engine = w.Engine()
    linker = w.Linker(engine)
    pre = linker.instantiate_pre(w.Module(engine, ADD))
    out = []
    for _ in range(2):
        store = w.Store(engine)
        out.append(pre.instantiate(store).exports(store)["add"](store, 1, 2))
    return out


def linker_define_module(w):
    engine = w.Engine()
    store = w.Store(engine)
    linker = w.Linker(engine)
    linker.define_module(store, "lib", w.Module(engine, ADD))
    m = w.Module(engine, '(module (import "lib" "add" (func $a (param i32 i32) (result i32))) '
                         '(func (export "r") (result i32) i32.const 1 i32.const 1 call $a))')
    return linker.instantiate(store, m).exports(store)["r"](store)


def exports_by_index(w):
    store, i = _inst(w, '(module (func (export "a")) (memory (export "b") 1) (global (export "c") i32 (i32.const 0)))')
    e = i.exports(store)
    return [type(x).__name__ for x in e.by_index], list(e), len(e), "b" in e


def store_data(w):
    store = w.Store(w.Engine(), data={"user": 1})
    store.gc()
    return store.data()


def val_objects(w):
    store = w.Store()
    g = w.Global(store, w.GlobalType(w.ValType.i64(), True), w.Val.i64(-5))
    v = w.Val.i32(7)
    return g.value(store), v.value, v.as_i32(), v.as_i64()


def wrong_arg_count(w):
    store, i = _inst(w, ADD)
    i.exports(store)["add"](store, 1)


def wrong_arg_type(w):
    store, i = _inst(w, ADD)
    i.exports(store)["add"](store, "1", 2)


def host_raises(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (import "" "h" (func $h)) (func (export "f") call $h))')

    def h():
        raise ValueError("from the host")
    try:
        w.Instance(store, m, [w.Func(store, w.FuncType([], []), h)]).exports(store)["f"](store)
    except ValueError as e:
        return str(e)
    return None


def host_wrong_result_count(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (import "" "h" (func $h (result i32 i32))) '
                               '(func (export "f") (result i32 i32) call $h))')
    f = w.Func(store, w.FuncType([], [w.ValType.i32(), w.ValType.i32()]), lambda: 1)
    w.Instance(store, m, [f]).exports(store)["f"](store)


def start_function_trap(w):
    store = w.Store()
    w.Instance(store, w.Module(store.engine, '(module (func $s unreachable) (start $s))'), [])


def import_type_mismatch(w):
    store = w.Store()
    f = w.Func(store, w.FuncType([], []), lambda: None)
    w.Instance(store, w.Module(store.engine, '(module (import "" "f" (func (param i32))))'), [f])


def import_count_mismatch(w):
    store = w.Store()
    w.Instance(store, w.Module(store.engine, '(module (import "" "f" (func)))'), [])


def malformed_module(w):
    store = w.Store()
    w.Module(store.engine, b"\0asm\x02\0\0\0")


def invalid_module(w):
    store = w.Store()
    w.Module(store.engine, '(module (func (result i32) i64.const 1))')


def module_validate(w):
    store = w.Store()
    w.Module.validate(store.engine, bytes(w.wat2wasm(ADD)))
    return "valid"


def float_roundtrip(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "f") (param f32 f64) (result f32 f64) '
                               'local.get 0 local.get 1))')
    return tuple(w.Instance(store, m, []).exports(store)["f"](store, 1.1, 2.2))


def i64_extremes(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "f") (param i64) (result i64) local.get 0 i64.const 1 i64.add))')
    return w.Instance(store, m, []).exports(store)["f"](store, 0x7FFFFFFFFFFFFFFF)


def config_flags(w):
    config = w.Config()
    config.wasm_tail_call = True
    config.max_wasm_stack = 1 << 20
    store = w.Store(w.Engine(config))
    m = w.Module(store.engine, '(module (func $f (export "f") (param i32) (result i32) '
                               'local.get 0 i32.eqz if (result i32) i32.const 42 else '
                               'local.get 0 i32.const 1 i32.sub return_call $f end))')
    return w.Instance(store, m, []).exports(store)["f"](store, 100000)


def set_limits_memory(w):
    store = w.Store()
    store.set_limits(memory_size=2 * 65536)
    m = w.Module(store.engine, '(module (memory 1) (func (export "g") (result i32) (memory.grow (i32.const 2))))')
    return w.Instance(store, m, []).exports(store)["g"](store)


def set_limits_instances(w):
    store = w.Store()
    store.set_limits(instances=1)
    m = w.Module(store.engine, "(module)")
    w.Instance(store, m, [])
    w.Instance(store, m, [])


def funcref_param(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (type $t (func (result i32))) (table 1 funcref) '
                               '(func (export "call") (param funcref) (result i32) '
                               'i32.const 0 local.get 0 table.set i32.const 0 call_indirect (type $t)))')
    f = w.Func(store, w.FuncType([], [w.ValType.i32()]), lambda: 11)
    return w.Instance(store, m, []).exports(store)["call"](store, f)


def tag_type_and_identity(w):
    config = w.Config()
    config.wasm_exceptions = True
    store = w.Store(w.Engine(config))
    tag = w.Tag(store, w.TagType(w.FuncType([w.ValType.i32(), w.ValType.f64()], [])))
    other = w.Tag(store, w.TagType(w.FuncType([w.ValType.i32(), w.ValType.f64()], [])))
    return [str(p) for p in tag.type(store).functype.params], tag.eq(store, tag), tag.eq(store, other)


def exported_tag(w):
    config = w.Config()
    config.wasm_exceptions = True
    store = w.Store(w.Engine(config))
    m = w.Module(store.engine, '(module (tag (export "e") (param i64)))')
    t = w.Instance(store, m, []).exports(store)["e"]
    return type(t).__name__, [str(p) for p in t.type(store).functype.params]


def uncaught_wasm_exception_is_an_error(w):
    config = w.Config()
    config.wasm_exceptions = True
    store = w.Store(w.Engine(config))
    m = w.Module(store.engine, '(module (tag $e (param i32)) (func (export "f") i32.const 1 throw $e))')
    # wasmtime-py reports it as a Trap (UNCAUGHT_EXCEPTION); Heron as heron.WasmException,
    # which carries the tag and the payload (README: Coming from wasmtime-py)
    uncaught = (w.Trap,) + ((w.WasmException,) if hasattr(w, "WasmException") else ())
    try:
        w.Instance(store, m, []).exports(store)["f"](store)
    except uncaught:
        return "uncaught"
    return None


def caught_wasm_exception(w):
    config = w.Config()
    config.wasm_exceptions = True
    store = w.Store(w.Engine(config))
    m = w.Module(store.engine, '''(module (tag $e (param i32))
        (func $thrower i32.const 7 throw $e)
        (func (export "f") (result i32)
          (block $h (result i32) (try_table (catch $e $h) call $thrower) i32.const 0)))''')
    return w.Instance(store, m, []).exports(store)["f"](store)


def host_trap_propagates(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (import "" "h" (func $h)) (func (export "f") call $h))')

    def h():
        raise w.Trap("custom trap from the host")
    try:
        w.Instance(store, m, [w.Func(store, w.FuncType([], []), h)]).exports(store)["f"](store)
    except w.Trap as t:
        return "custom trap from the host" in str(t)
    return None


def host_returns_wrong_type(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (import "" "h" (func $h (result i32))) '
                               '(func (export "f") (result i32) call $h))')
    f = w.Func(store, w.FuncType([], [w.ValType.i32()]), lambda: "seven")
    w.Instance(store, m, [f]).exports(store)["f"](store)


def table_get_out_of_bounds(w):
    store = w.Store()
    t = w.Table(store, w.TableType(w.ValType.funcref(), w.Limits(1, None)), None)
    return t.get(store, 5)


def table_set_out_of_bounds(w):
    store = w.Store()
    t = w.Table(store, w.TableType(w.ValType.funcref(), w.Limits(1, None)), None)
    t.set(store, 5, None)


def table_grow_beyond_max(w):
    store = w.Store()
    t = w.Table(store, w.TableType(w.ValType.funcref(), w.Limits(1, 2)), None)
    t.grow(store, 5, None)


def funcref_global(w):
    store = w.Store()
    f = w.Func(store, w.FuncType([], []), lambda: None)
    g = w.Global(store, w.GlobalType(w.ValType.funcref(), True), None)
    g.set_value(store, f)
    return g.value(store) is not None, str(g.type(store).content)


def linker_get_default(w):
    engine = w.Engine()
    store = w.Store(engine)
    linker = w.Linker(engine)
    linker.define_func("m", "", w.FuncType([], [w.ValType.i32()]), lambda: 5)
    return linker.get_default(store, "m")(store)


def memory_type_of_export(w):
    store, i = _inst(w, '(module (memory (export "m") 2 10))')
    ty = i.exports(store)["m"].type(store)
    return ty.limits.min, ty.limits.max, ty.is_64


def table_type_of_export(w):
    store, i = _inst(w, '(module (table (export "t") 3 7 externref))')
    ty = i.exports(store)["t"].type(store)
    return ty.element == w.ValType.externref(), ty.limits.min, ty.limits.max


def global_type_of_export(w):
    store, i = _inst(w, '(module (global (export "g") (mut f32) (f32.const 0)))')
    ty = i.exports(store)["g"].type(store)
    return str(ty.content), ty.mutable


def exports_missing_name(w):
    store, i = _inst(w, ADD)
    return i.exports(store).get("nope"), "nope" in i.exports(store)


def exports_keyerror(w):
    store, i = _inst(w, ADD)
    i.exports(store)["nope"]


def instance_of_imported_memory(w):
    store = w.Store()
    mem = w.Memory(store, w.MemoryType(w.Limits(1, None)))
    m = w.Module(store.engine, '(module (import "" "m" (memory 1)) (data (i32.const 0) "xy"))')
    w.Instance(store, m, [mem])
    return bytes(mem.read(store, 0, 2))


def data_segment_out_of_bounds(w):
    store = w.Store()
    w.Instance(store, w.Module(store.engine, '(module (memory 1) (data (i32.const 65535) "xy"))'), [])


def call_export_with_val(w):
    store, i = _inst(w, ADD)
    return i.exports(store)["add"](store, w.Val.i32(40), w.Val.i32(2))


def f32_rounding(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "f") (param f32) (result f32) local.get 0))')
    return w.Instance(store, m, []).exports(store)["f"](store, 0.1)


def nan_roundtrip(w):
    store = w.Store()
    m = w.Module(store.engine, '(module (func (export "f") (param f64) (result f64) local.get 0))')
    r = w.Instance(store, m, []).exports(store)["f"](store, float("nan"))
    return r != r


def i32_argument_wraps(w):
    store, i = _inst(w, ADD)
    return i.exports(store)["add"](store, 0xFFFFFFFF, 0)


SNIPPETS = [v for k, v in sorted(globals().items()) if callable(v) and not k.startswith("_")
            and getattr(v, "__module__", None) == __name__]
