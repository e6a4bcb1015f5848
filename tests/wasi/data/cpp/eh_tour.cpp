// eh_tour: C++ exceptions compiled to Wasm exception handling (clang -fwasm-exceptions),
// run by Heron and by wasmtime-py; both must print the same lines.
//
// What it exercises, each a pattern real C++ programs have:
//   - throw through many frames whose parameters overflow the argument registers
//     (stack-passed arguments on every modelled target), caught several frames up;
//   - destructors run during unwinding (RAII cleanup landing pads), in order;
//   - catch by base class, catch(...), rethrow with `throw;`, nested try blocks;
//   - std::exception_ptr: capture, move across frames, rethrow_exception;
//   - exceptions out of constructors (partially built objects destroyed), out of
//     virtual calls and through function pointers (call_indirect);
//   - std::function, std::vector and std::string growing on the way (heap under unwinding);
//   - an exception escaping a loop thousands of times (no leak of handler state);
//   - a program-defined error reaching main and the exit status set from it.
// Built by build.sh beside it; the .wasm is committed so no toolchain is needed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

static std::vector<std::string> trail;

struct Noisy {
  std::string name;
  explicit Noisy(std::string n) : name(std::move(n)) { trail.push_back("+" + name); }
  ~Noisy() { trail.push_back("-" + name); }
};

struct AppError : std::runtime_error {
  int code;
  AppError(const std::string& what, int c) : std::runtime_error(what), code(c) {}
};
struct Deep : AppError {
  long sum;
  Deep(long s) : AppError("deep " + std::to_string(s), 7), sum(s) {}
};

// Eleven parameters: past the integer argument registers of every target.
__attribute__((noinline)) long wide(int depth, long a, long b, long c, long d, long e, long f,
                                    long g, long h, double x, double y) {
  Noisy guard("w" + std::to_string(depth));
  if (depth == 0) throw Deep(a + b + c + d + e + f + g + h + (long)(x * y));
  return wide(depth - 1, b, c, d, e, f, g, h, a, y, x) + 1;
}

static void print_trail(const char* label) {
  std::printf("%s:", label);
  for (auto& s : trail) std::printf(" %s", s.c_str());
  std::printf("\n");
  trail.clear();
}

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
struct Square : Shape {
  double s;
  explicit Square(double v) : s(v) {
    if (v < 0) throw std::invalid_argument("negative side " + std::to_string((int)v));
  }
  double area() const override { return s * s; }
};
struct Bad : Shape {
  double area() const override { throw std::domain_error("bad shape has no area"); }
};

struct Pair {
  Noisy first;
  Square second;
  Pair(int a, double b) : first("pair" + std::to_string(a)), second(b) {}
};

static int (*volatile table[3])(int);
static int ok(int x) { return x * 2; }
static int boom(int x) { throw AppError("boom " + std::to_string(x), x); }
static int oom(int x) {
  std::vector<int> big;
  big.reserve(4);
  for (int i = 0; i < x; i++) big.push_back(i);
  throw std::out_of_range("index " + std::to_string(big.size()));
}

static std::exception_ptr saved;

__attribute__((noinline)) void capture(int n) {
  try {
    if (n > 0) capture(n - 1);
    else throw Deep(42);
  } catch (...) {
    if (n == 2) saved = std::current_exception();
    throw;
  }
}

int main(int argc, char** argv) {
  // 1. a throw through nine wide frames, with cleanups
  try {
    wide(8, 1, 2, 3, 4, 5, 6, 7, 8, 1.5, 4.0);
  } catch (const AppError& e) {
    std::printf("1 caught AppError '%s' code %d\n", e.what(), e.code);
  }
  print_trail("1 trail");

  // 2. catch by base, catch(...), nested try with rethrow
  for (int i = 0; i < 3; i++) {
    try {
      try {
        Noisy n("inner" + std::to_string(i));
        table[0] = ok; table[1] = boom; table[2] = oom;
        std::printf("2 call %d -> %d\n", i, table[i](i + 10));
      } catch (const std::out_of_range& e) {
        std::printf("2 inner caught out_of_range '%s', rethrowing\n", e.what());
        throw;
      }
    } catch (const std::logic_error& e) {
      std::printf("2 outer caught logic_error '%s'\n", e.what());
    } catch (...) {
      std::printf("2 outer caught something else\n");
    }
  }
  print_trail("2 trail");

  // 3. constructors that throw: the members built so far are destroyed
  try {
    Pair ok_pair(1, 2.0);
    std::printf("3 area %.1f\n", ok_pair.second.area());
    Pair bad_pair(2, -3.0);
    std::printf("3 not reached\n");
  } catch (const std::invalid_argument& e) {
    std::printf("3 caught invalid_argument '%s'\n", e.what());
  }
  print_trail("3 trail");

  // 4. virtual calls that throw
  std::vector<std::unique_ptr<Shape>> shapes;
  shapes.emplace_back(new Square(3));
  shapes.emplace_back(new Bad());
  shapes.emplace_back(new Square(0.5));
  double total = 0;
  for (auto& s : shapes) {
    try { total += s->area(); }
    catch (const std::exception& e) { std::printf("4 skipped: %s\n", e.what()); }
  }
  std::printf("4 total area %.2f\n", total);

  // 5. exception_ptr kept after its handler ended, rethrown later
  try { capture(4); } catch (const Deep& d) { std::printf("5 first catch sum %ld\n", d.sum); }
  try {
    if (saved) std::rethrow_exception(saved);
  } catch (const AppError& e) {
    std::printf("5 rethrown from exception_ptr: '%s' code %d\n", e.what(), e.code);
  }
  saved = nullptr;

  // 6. std::function callbacks and a thousand throws in a loop
  std::function<int(int)> f = [](int x) -> int {
    if (x % 3 == 0) throw x;
    return x;
  };
  long caught = 0, sum = 0;
  for (int i = 0; i < 1000; i++) {
    try { sum += f(i); } catch (int v) { caught += v; }
  }
  std::printf("6 sum %ld caught %ld\n", sum, caught);

  // 7. uncaught_exceptions seen by a destructor during unwinding
  struct Watch {
    ~Watch() { std::printf("7 unwinding: %d\n", std::uncaught_exceptions()); }
  };
  try { Watch w; throw std::runtime_error("seven"); } catch (const std::exception& e) {
    std::printf("7 caught %s, now %d\n", e.what(), std::uncaught_exceptions());
  }

  // 8. the exit status comes from an exception that reaches main
  try {
    if (argc > 1) throw AppError(std::string("argument ") + argv[1], (int)std::strlen(argv[1]));
  } catch (const AppError& e) {
    std::fprintf(stderr, "8 fatal: %s\n", e.what());
    return e.code;
  }
  return 0;
}
