// scalar_index_bench: Quiver's scalar indexes on local disk.
//
//   scalar_index_bench [--rows 10000000] [--queries 2000] [--keep]
//
// Builds a BTREE over `rows` distinct random int64 ids (row ids 0..rows-1)
// and a BITMAP over a 10-value category column of as many rows, in a fresh
// directory under the system temp dir (removed at the end unless --keep),
// then times, after open:
//   - point lookups (id = v, v present), cold-ish (first touch of each page
//     through the OS cache) and warm (the same values again): mean/p50/p99;
//   - IN lists of 100 ids, and ranges selecting ~0.01%, 0.1% and 1% of rows;
//   - BITMAP equality (10% of rows) and IN of 3 categories (30%).
// Build time, file sizes, peak RSS and the bytes each query kind reads are
// printed too. The comparison with LanceDB is run separately.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "index/scalar/scalar_index.h"
#include "io/local_store.h"
#include "quiver/batch_reader.h"
#include "quiver/builder.h"

namespace fs = std::filesystem;

namespace quiver::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Op = expr::ColumnPredicate::Op;

struct Options {
  int64_t rows = 10000000;
  int queries = 2000;
  bool keep = false;
};

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
// The id of row i: a bijection of i (so ids are distinct), as int64.
int64_t IdOf(int64_t i) { return static_cast<int64_t>(SplitMix(static_cast<uint64_t>(i))); }

// Generates (value, _rowid) batches without holding the whole column.
class GenReader : public BatchReader {
 public:
  GenReader(int64_t rows, bool category) : rows_(rows), category_(category) {
    schema_ = std::make_shared<Schema>(std::vector<Field>{
        Field(category ? "category" : "id", category ? utf8() : int64()), Field("_rowid", uint64())});
  }
  const SchemaPtr& schema() const override { return schema_; }
  Result<BatchPtr> Next() override {
    if (next_ >= rows_) return BatchPtr();
    const int64_t n = std::min<int64_t>(1 << 20, rows_ - next_);
    auto values = ArrayBuilder::Make(schema_->field(0).type);
    auto ids = ArrayBuilder::Make(uint64());
    for (int64_t i = next_; i < next_ + n; ++i) {
      if (category_) {
        static const char* kCats[] = {"books", "games", "music",  "films", "tools",
                                      "food",  "toys",  "garden", "sport", "cars"};
        QUIVER_RETURN_NOT_OK(values->AppendString(kCats[SplitMix(static_cast<uint64_t>(i) + 7) % 10]));
      } else {
        QUIVER_RETURN_NOT_OK(values->AppendInt(IdOf(i)));
      }
      QUIVER_RETURN_NOT_OK(ids->AppendUInt(static_cast<uint64_t>(i)));
    }
    next_ += n;
    return std::make_shared<RecordBatch>(schema_, n, std::vector<ArrayPtr>{values->Finish(), ids->Finish()});
  }

 private:
  SchemaPtr schema_;
  int64_t rows_;
  bool category_;
  int64_t next_ = 0;
};

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Figures {
  double mean = 0, p50 = 0, p99 = 0;
};
Figures Summarise(std::vector<double> us) {
  Figures f;
  if (us.empty()) return f;
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  f.mean = sum / us.size();
  f.p50 = us[us.size() / 2];
  f.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return f;
}

void Die(const Status& st, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) Die(r.status(), what);
  return std::move(r).value();
}

long PeakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

expr::ColumnPredicate Pred(Op op, std::vector<expr::Scalar> values) {
  expr::ColumnPredicate p;
  p.op = op;
  p.values = std::move(values);
  return p;
}

// Times `make(k)` queries; prints mean/p50/p99, rows and bytes per query.
template <typename MakeFn>
void TimeQueries(const char* label, const index::ScalarIndex& idx, int n, MakeFn make,
                 bool two_sided = false) {
  std::vector<double> us;
  uint64_t rows = 0;
  const uint64_t bytes_before = idx.stats().bytes_read;
  for (int k = 0; k < n; ++k) {
    std::vector<expr::ColumnPredicate> preds = make(k);
    auto t0 = Clock::now();
    Roaring64Map hits = two_sided ? Check(idx.SearchAll(preds), label) : Check(idx.Search(preds[0]), label);
    us.push_back(Micros(Clock::now() - t0));
    rows += hits.cardinality();
  }
  Figures f = Summarise(us);
  std::printf("  %-34s mean %9.1f us  p50 %9.1f us  p99 %9.1f us  rows/query %10.0f  KiB read/query %8.1f\n",
              label, f.mean, f.p50, f.p99, static_cast<double>(rows) / n,
              static_cast<double>(idx.stats().bytes_read - bytes_before) / n / 1024);
}

int Run(const Options& opt) {
  const fs::path dir = fs::temp_directory_path() / ("quiver_scalar_index_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::shared_ptr<ObjectStore> store =
      Check(LocalObjectStore::Open(dir.string(), {/*sync=*/false}), "open store");
  std::printf("scalar_index_bench: %lld rows, %d queries per kind, in %s\n", static_cast<long long>(opt.rows),
              opt.queries, dir.string().c_str());

  // --- BTREE over int64 ids.
  GenReader ids(opt.rows, /*category=*/false);
  auto t0 = Clock::now();
  index::ScalarIndexMeta meta = Check(
      index::BuildScalarIndex(index::ScalarIndexType::kBTree, Field("id", int64()), ids, *store, "btree/"),
      "build btree");
  const double build_s = Micros(Clock::now() - t0) / 1e6;
  std::printf("BTREE build: %.2f s (%.2f M rows/s), file %.1f MiB, %llu distinct, peak RSS %ld MiB\n",
              build_s, opt.rows / build_s / 1e6, meta.files[0].size / 1048576.0,
              static_cast<unsigned long long>(meta.num_distinct), PeakRssMb());
  t0 = Clock::now();
  auto btree = Check(index::OpenScalarIndex(store, "btree/", meta), "open btree");
  std::printf("BTREE open: %.1f us, %llu bytes read in %llu requests\n", Micros(Clock::now() - t0),
              static_cast<unsigned long long>(btree->stats().bytes_read),
              static_cast<unsigned long long>(btree->stats().read_requests));

  std::mt19937_64 rng(42);
  std::vector<int64_t> probe_rows(opt.queries);
  for (auto& r : probe_rows) r = static_cast<int64_t>(rng() % static_cast<uint64_t>(opt.rows));
  auto point = [&](int k) {
    return std::vector<expr::ColumnPredicate>{Pred(Op::kEq, {expr::Scalar::Int(IdOf(probe_rows[k]))})};
  };
  TimeQueries("point lookup (first touch)", *btree, opt.queries, point);
  TimeQueries("point lookup (warm)", *btree, opt.queries, point);
  TimeQueries("point lookup, absent value", *btree, opt.queries, [&](int k) {
    return std::vector<expr::ColumnPredicate>{Pred(Op::kEq, {expr::Scalar::Int(IdOf(opt.rows + k))})};
  });
  TimeQueries("IN (100 ids)", *btree, std::max(1, opt.queries / 20), [&](int k) {
    std::vector<expr::Scalar> vals;
    for (int j = 0; j < 100; ++j)
      vals.push_back(expr::Scalar::Int(IdOf(probe_rows[(k * 100 + j) % opt.queries])));
    return std::vector<expr::ColumnPredicate>{Pred(Op::kIn, vals)};
  });
  // Ids are uniform over int64: a range of width w * 2^64 selects ~w of the rows.
  for (double frac : {0.0001, 0.001, 0.01}) {
    char label[64];
    std::snprintf(label, sizeof(label), "range a <= id < b (%.2f%%)", frac * 100);
    const uint64_t width = static_cast<uint64_t>(frac * 18446744073709551616.0);
    TimeQueries(
        label, *btree, std::max(1, opt.queries / 20),
        [&](int k) {
          // A random start that leaves room for the width (no wrap-around).
          const uint64_t start = SplitMix(static_cast<uint64_t>(opt.rows) * 2 + k) % (~uint64_t{0} - width);
          const int64_t lo = static_cast<int64_t>(start ^ (uint64_t{1} << 63));
          const int64_t hi = static_cast<int64_t>((start + width) ^ (uint64_t{1} << 63));
          return std::vector<expr::ColumnPredicate>{Pred(Op::kGe, {expr::Scalar::Int(std::min(lo, hi))}),
                                                    Pred(Op::kLt, {expr::Scalar::Int(std::max(lo, hi))})};
        },
        /*two_sided=*/true);
  }

  // --- BITMAP over a 10-value category column.
  GenReader cats(opt.rows, /*category=*/true);
  t0 = Clock::now();
  index::ScalarIndexMeta bmeta =
      Check(index::BuildScalarIndex(index::ScalarIndexType::kBitmap, Field("category", utf8()), cats, *store,
                                    "bitmap/"),
            "build bitmap");
  const double bbuild_s = Micros(Clock::now() - t0) / 1e6;
  std::printf("BITMAP build: %.2f s, file %.1f MiB, %llu values, peak RSS %ld MiB\n", bbuild_s,
              bmeta.files[0].size / 1048576.0, static_cast<unsigned long long>(bmeta.num_distinct),
              PeakRssMb());
  t0 = Clock::now();
  auto bitmap = Check(index::OpenScalarIndex(store, "bitmap/", bmeta), "open bitmap");
  std::printf("BITMAP open: %.1f us\n", Micros(Clock::now() - t0));
  static const char* kAsk[] = {"books", "games", "music", "tools", "sport"};
  const int bq = std::max(5, opt.queries / 40);
  TimeQueries("category = v (10%)", *bitmap, bq, [&](int k) {
    return std::vector<expr::ColumnPredicate>{Pred(Op::kEq, {expr::Scalar::String(kAsk[k % 5])})};
  });
  TimeQueries("category IN (3 values) (30%)", *bitmap, bq, [&](int k) {
    return std::vector<expr::ColumnPredicate>{
        Pred(Op::kIn, {expr::Scalar::String(kAsk[k % 5]), expr::Scalar::String(kAsk[(k + 1) % 5]),
                       expr::Scalar::String(kAsk[(k + 2) % 5])})};
  });
  TimeQueries("category = absent", *bitmap, bq, [&](int) {
    return std::vector<expr::ColumnPredicate>{Pred(Op::kEq, {expr::Scalar::String("nothing")})};
  });

  if (!opt.keep) fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) {
  quiver::bench::Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) {
      opt.rows = std::atoll(argv[++i]);
    } else if (a == "--queries" && i + 1 < argc) {
      opt.queries = std::atoi(argv[++i]);
    } else if (a == "--keep") {
      opt.keep = true;
    } else {
      std::fprintf(stderr, "usage: scalar_index_bench [--rows N] [--queries N] [--keep]\n");
      return 2;
    }
  }
  if (opt.rows < 1 || opt.queries < 1) {
    std::fprintf(stderr, "--rows and --queries must be positive\n");
    return 2;
  }
  return quiver::bench::Run(opt);
}
