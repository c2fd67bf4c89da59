// A standalone driver for libFuzzer-style fuzz targets (a function
// LLVMFuzzerTestOneInput), for builds without libFuzzer: runs every seed of
// a corpus, then deterministic random mutations of the seeds (bit flips,
// byte changes, insertions of dictionary tokens, deletions, duplications,
// splices of two seeds) until a time budget is spent. There is no coverage
// feedback; the point is a bounded, repeatable smoke run in the test suite.
// scripts/fuzz.sh runs the real libFuzzer binary.
//
//   fuzz_driver [--max-total-time=SECONDS] [--seed=N] [--max-len=BYTES]
//               CORPUS_DIR_OR_FILE...
//
// The time defaults to $QUIVER_FUZZ_SECONDS, else 20 s. When the target
// aborts or crashes, the input is printed (escaped) on stderr and written to
// ./fuzz-crash-input for reproduction (pass that file back as the corpus).
// Uses only the standard library.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler.
const std::string* g_current = nullptr;

void OnCrash(int signal) {
  if (g_current != nullptr) {
    std::fprintf(stderr, "fuzz_driver: signal %d on an input of %zu bytes: \"", signal, g_current->size());
    for (unsigned char c : *g_current) {
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        std::fputc(c, stderr);
      } else {
        std::fprintf(stderr, "\\x%02x", c);
      }
    }
    std::fprintf(stderr, "\"\nfuzz_driver: written to ./fuzz-crash-input\n");
    if (std::FILE* f = std::fopen("fuzz-crash-input", "wb")) {
      std::fwrite(g_current->data(), 1, g_current->size(), f);
      std::fclose(f);
    }
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void Run(const std::string& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  g_current = nullptr;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Tokens that SQL-like inputs are made of; the seeds' own words are added.
const char* const kDictionary[] = {
    " ",
    "(",
    ")",
    ",",
    ".",
    "'",
    "\"",
    "`",
    "''",
    "\"\"",
    "--",
    "/*",
    "*/",
    "\n",
    "=",
    "==",
    "<>",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "||",
    "::",
    "[",
    "]",
    ":",
    " AND ",
    " OR ",
    "NOT ",
    " IN ",
    " IS ",
    "NULL",
    "TRUE",
    "FALSE",
    " LIKE ",
    " ILIKE ",
    " BETWEEN ",
    "CASE ",
    " WHEN ",
    " THEN ",
    " ELSE ",
    " END",
    "CAST(",
    " AS ",
    "date ",
    "timestamp ",
    "0",
    "1",
    "-1",
    "1.5",
    "1e999",
    "1e-999",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "'2024-02-29'",
    "'2024-01-31 12:00:00.5Z'",
    "int",
    "BIGINT UNSIGNED",
    "DOUBLE",
    "DECIMAL",
    "list<int32>",
    "struct<a: int32>",
    "timestamp[ms, tz=UTC]",
    "fixed_size_list<float>[4]",
    "x",
    "meta.source",
    "f(",
    "now()",
    "\xff",
    "\x00",
};

const char kSpecial[] = "()'\"`.,:-+*/%|<>=![] \n0aZ";

class Mutator {
 public:
  Mutator(const std::vector<std::string>& seeds, uint64_t seed, size_t max_len)
      : seeds_(seeds), rng_(seed), max_len_(max_len) {
    std::set<std::string> words;
    for (const char* d : kDictionary) words.insert(d[0] == '\0' ? std::string(1, '\0') : std::string(d));
    for (const std::string& s : seeds) {
      std::istringstream in(s);
      std::string w;
      while (in >> w) {
        if (w.size() <= 32) words.insert(w);
      }
    }
    dictionary_.assign(words.begin(), words.end());
  }

  std::string Next() {
    std::string s = seeds_.empty() ? std::string() : seeds_[Pick(seeds_.size())];
    const size_t steps = 1 + Pick(Pick(2) ? 3 : 8);
    for (size_t k = 0; k < steps; ++k) Mutate(&s);
    if (s.size() > max_len_) s.resize(max_len_);
    return s;
  }

 private:
  size_t Pick(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void Mutate(std::string* s) {
    const size_t at = Pick(s->size() + 1);
    switch (Pick(8)) {
      case 0:  // flip a bit
        if (!s->empty()) (*s)[Pick(s->size())] ^= static_cast<char>(1u << Pick(8));
        break;
      case 1:  // replace a byte with one of SQL's special characters
        if (!s->empty()) (*s)[Pick(s->size())] = kSpecial[Pick(sizeof(kSpecial) - 1)];
        break;
      case 2:
      case 3:  // insert a dictionary token
        s->insert(at, dictionary_[Pick(dictionary_.size())]);
        break;
      case 4: {  // delete a range
        const size_t len = std::min(s->size() - std::min(at, s->size()), 1 + Pick(8));
        s->erase(std::min(at, s->size()), len);
        break;
      }
      case 5: {  // duplicate a range
        if (s->empty()) break;
        const size_t from = Pick(s->size());
        const size_t len = 1 + Pick(std::min<size_t>(s->size() - from, 16));
        s->insert(at, s->substr(from, len));
        break;
      }
      case 6: {  // splice: this input's head with another seed's tail
        if (seeds_.empty()) break;
        const std::string& other = seeds_[Pick(seeds_.size())];
        *s = s->substr(0, at) + other.substr(Pick(other.size() + 1));
        break;
      }
      default:  // insert a random byte
        s->insert(s->begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(Pick(256)));
        break;
    }
  }

  const std::vector<std::string>& seeds_;
  std::vector<std::string> dictionary_;
  std::mt19937_64 rng_;
  size_t max_len_;
};

bool ParseFlag(const std::string& arg, const char* name, double* out) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *out = std::strtod(arg.c_str() + prefix.size(), nullptr);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 20, seed = 1, max_len = 4096;
  if (const char* env = std::getenv("QUIVER_FUZZ_SECONDS")) seconds = std::strtod(env, nullptr);
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (ParseFlag(arg, "max-total-time", &seconds) || ParseFlag(arg, "seed", &seed) ||
        ParseFlag(arg, "max-len", &max_len)) {
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "usage: %s [--max-total-time=S] [--seed=N] [--max-len=B] CORPUS...\n", argv[0]);
      return 2;
    }
    paths.emplace_back(arg);
  }

  std::vector<std::string> seeds;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // a fixed order, so runs repeat
      for (const auto& f : files) seeds.push_back(ReadFile(f));
    } else if (std::filesystem::is_regular_file(path, ec)) {
      seeds.push_back(ReadFile(path));
    } else {
      std::fprintf(stderr, "fuzz_driver: no such corpus file or directory: %s\n", path.string().c_str());
      return 2;
    }
  }

  // A sanitizer's own handlers (which print better reports) are kept.
  for (int sig : {SIGABRT, SIGSEGV, SIGFPE, SIGILL}) {
    auto previous = std::signal(sig, OnCrash);
    if (previous != SIG_DFL && previous != SIG_ERR) std::signal(sig, previous);
  }

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (const std::string& s : seeds) Run(s);
  Mutator mutator(seeds, static_cast<uint64_t>(seed), static_cast<size_t>(max_len));
  uint64_t runs = seeds.size();
  while (elapsed() < seconds) {
    for (int k = 0; k < 64; ++k, ++runs) Run(mutator.Next());
  }
  std::printf("fuzz_driver: %zu seeds, %llu runs in %.1f s, no failures\n", seeds.size(),
              static_cast<unsigned long long>(runs), elapsed());
  return 0;
}
