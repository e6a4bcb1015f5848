-- A tour of Lua on WASI, for Heron's tests: errors (a longjmp or a C++ throw underneath,
-- both Wasm exception handling), coroutines, integer and float numerics, strings, tables and
-- the garbage collector, files in the preopened directory. `lua tour.lua SCALE`: the loops
-- run SCALE percent of their full length (default 100).
local scale = tonumber(arg and arg[1]) or 100
local out = {}
local function say(...) local t = table.pack(...) for i = 1, t.n do t[i] = tostring(t[i]) end print(table.concat(t, " ")) end

-- 1. errors through many levels, error objects, tracebacks, error in error handler
local function thrower(n) if n == 0 then error({depth = "bottom"}) end return thrower(n - 1) + 1 end
local ok, e = pcall(thrower, 200); say("1", ok, type(e), e.depth)
say("1", xpcall(function() error("msg", 0) end, function(m) return "handled: " .. m end))
say("1", select(2, pcall(error)))
say("1", pcall(string.rep, "x", -1))
local ok2, e2 = pcall(function() local a = {} ; return a.b.c end); say("1", ok2, (e2:gsub("^.-:%d+: ", "")))
say("1", pcall(function() return 1 + {} end))

-- 2. coroutines: yield across pcall, errors inside coroutines, wrap, close
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local ok, err = pcall(function() coroutine.yield(c * 2); error("inside") end)
  coroutine.yield(ok, err)
  error("dead")
end)
for i = 1, 5 do say("2", coroutine.resume(co, i, i + 1)) end
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end end)
say("2", gen(), gen(), gen())
local function perm(a, n) n = n or #a if n <= 1 then coroutine.yield(a) else
  for i = 1, n do a[n], a[i] = a[i], a[n]; perm(a, n - 1); a[n], a[i] = a[i], a[n] end end end
local count = 0
for p in coroutine.wrap(function() perm({1, 2, 3, 4, 5}) end) do count = count + p[1] end
say("2 perms", count)
local cc = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() say("2 closed") end}); coroutine.yield(1) end)
coroutine.resume(cc); say("2", coroutine.close(cc))

-- 3. numerics: integers wrap, floor division, float formatting, conversions
say("3", math.maxinteger + 1 == math.mininteger, 7 // 2, -7 // 2, 7 % -3, -7 % 3, 7.5 // 2, 2^53 + 1)
say("3", math.tointeger(3.0), math.tointeger(3.5), 3 | 5, 6 & 3, 1 << 63, (1 << 63) >> 1, ~0)
say("3", string.format("%.17g %g %e %a %5.1f %x %X %o %d", 0.1, 1e300 * 1e10, 12345.678, 1.0, -0.05, 255, 3054, 8, -42))
say("3", 0/0 ~= 0/0, -0.0, 1/0, -1/0, math.huge // 1, math.fmod(-7, 3), math.fmod(7, -3))
say("3", tostring(1e15), tostring(1e16), tostring(-1e-7), 123456789012 * 1000, 2^63, math.ult(1, -1))
say("3", tonumber("0x1p4"), tonumber("  10  "), tonumber("1e1"), tonumber("z", 36), tonumber("0x7fffffffffffffff"), tonumber("9223372036854775808"))
local acc = 0; for i = 1, 1000 * scale do acc = (acc * 1103515245 + 12345) % 2147483648 end; say("3 lcg", acc)
local f = 0.0; for i = 1, 100 * scale do f = f + math.sin(i) * math.sqrt(i) end; say("3 float", string.format("%.10f", f))
say("3", math.floor(-3.5), math.ceil(-3.5), math.abs(math.mininteger), math.max(1, 2.5), math.min(-0.0, 0.0))

-- 4. strings: patterns, gsub with functions, pack/unpack, utf8
local s = "The quick brown fox jumps over the lazy dog"
say("4", s:gsub("%w+", function(w) return w:sub(1, 1):upper() .. w:sub(2):reverse() end))
say("4", s:find("(%a+) (%a+)$"), s:match("^(%w+)%s+(%w+)"), ("%d"):rep(3, ","))
say("4", ("key=val; k2=v2"):gsub("(%w+)=(%w+)", "%2=%1"))
local packed = string.pack(">i4<i8zs1d", -2, 1 << 40, "zs", "s1", 3.25)
say("4", #packed, string.unpack(">i4<i8zs1d", packed))
say("4", utf8.char(72, 228, 8364, 128512), utf8.len("häé€"), #utf8.char(128512))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end print()
say("4", string.format("%q", "line\nnew\0zero\"q"), ("abc"):byte(1, -1))
local parts = {}; for w in ("a,b,,c"):gmatch("([^,]*)") do parts[#parts + 1] = "[" .. w .. "]" end; say("4", table.concat(parts))

-- 5. tables: sort with comparator errors, metatables, gc, weak tables
local t = {}; for i = 1, 20 * scale do t[i] = (i * 7919) % 2003 end
table.sort(t, function(a, b) return a > b end); say("5", t[1], t[#t // 2], t[#t])
say("5", pcall(table.sort, {3, 1, 2}, function(a, b) error("cmp") end))
local V = {}; V.__index = V; V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__tostring = function(v) return "V(" .. v.x .. ")" end; V.__eq = function(a, b) return a.x == b.x end
local v = setmetatable({x = 1}, V) + setmetatable({x = 2}, V); say("5", tostring(v), v == setmetatable({x = 3}, V))
local weak = setmetatable({}, {__mode = "k"}); weak[{}] = 1; collectgarbage(); local n = 0; for _ in pairs(weak) do n = n + 1 end; say("5 weak", n)
local big = {}; for i = 1, 500 * scale do big[i] = {i, tostring(i)} end; big = nil; collectgarbage(); say("5 gc ok")
say("5", table.unpack({1, 2, 3}, 2), select("#", table.unpack({}, 1, 3)), table.move({1, 2, 3}, 1, 3, 2)[3])

-- 6. files in the preopened directory
local fh = assert(io.open("/out.txt", "w")); fh:write("alpha\n", 42, "\n", 3.5, "\n"); fh:close()
for line in io.lines("/out.txt") do io.write("<", line, ">") end print()
local rh = io.open("/out.txt"); say("6", rh:read("l", "n", "n")); rh:seek("set", 2); say("6", rh:read(3)); rh:close()
say("6", io.open("/missing/file"))
say("6", os.remove("/out.txt"), os.remove("/out.txt"))
say("6", os.rename("/tour.lua", "/tour2.lua"), os.rename("/tour2.lua", "/tour.lua"))
say("6", type(os.time()), type(os.clock()), os.getenv("HOME"), os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365))

-- 7. load, string.dump round trip, deep recursion limit
local chunk = load("local a, b = ...; return a * b, _ENV ~= nil"); say("7", chunk(6, 7))
say("7", load("syntax error here"))
local dumped = string.dump(function(x) return x * 3 end); say("7", load(dumped, "d", "b")(14))
local depth = 0
local function cdeep() depth = depth + 1; local ok, e = pcall(cdeep); return e or ok end
say("7", (tostring(cdeep()):gsub("^.-:%d+: ", "")), depth > 150)   -- ~200 nested protected calls
if scale >= 100 then   -- the Lua stack grown to its limit (a million slots)
  local function rec(n) return rec(n + 1) + 1 end
  local okr, er = pcall(rec, 1); say("7", okr, (tostring(er):gsub("^.-:%d+: ", "")))
end
say("7", select("#", string.byte(string.rep("a", 100), 1, -1)))
os.exit(3)
