// VectorColumn: one fragment's vector column held in memory as a dense
// matrix, the form exact search scans and refine re-ranks from.
//
// Float columns (float16, float32, float64 elements) and 8-bit integer
// columns are widened to float32, n x dim row-major; for hamming searches
// uint8 columns are also kept as raw bytes. Physical rows are all present
// (deleted ones included, so row offsets index directly); null vectors are
// flagged in `nulls` and never match. Squared norms are precomputed for
// cosine.
//
// Loaded once per (data file, column) and shared through TableFiles's
// bounded cache; data files are immutable, so entries never go stale.
//
// Thread-safety: immutable once loaded.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "quiver/status.h"
#include "table/snapshot.h"

namespace quiver {

struct VectorColumn {
  int64_t num_rows = 0;
  int dim = 0;
  std::vector<float> values;    // num_rows x dim
  std::vector<float> norms_sq;  // num_rows
  std::vector<uint8_t> bytes;   // num_rows x dim, uint8 columns only
  std::vector<bool> nulls;      // empty when no vector is null

  const float* row(int64_t i) const { return values.data() + i * dim; }
  const uint8_t* byte_row(int64_t i) const { return bytes.data() + i * dim; }
  bool is_null(int64_t i) const { return !nulls.empty() && nulls[i]; }
  uint64_t memory_bytes() const {
    return values.size() * sizeof(float) + norms_sq.size() * sizeof(float) + bytes.size() + nulls.size() / 8;
  }
};

// The vectors of schema field `field` (a fixed-size list column) in
// `fragment`, from the cache or read now. InvalidArgument when the field
// is not a vector column.
Result<std::shared_ptr<const VectorColumn>> LoadVectorColumn(const Snapshot& snap, const Fragment& fragment,
                                                             int field);

// For refine, which needs only some rows: the fragment's whole column when
// it is held in memory or the store is local (loading it once makes every
// later query cheap), else null, meaning "take just the rows you need"
// (TakeVectorRows): on a remote store a cold query then reads a few pages
// instead of the column. After kRefineTakesBeforeLoading queries have taken
// rows of one fragment, its column is loaded after all.
Result<std::shared_ptr<const VectorColumn>> VectorColumnForRefine(const Snapshot& snap,
                                                                  const Fragment& fragment, int field);
inline constexpr int kRefineTakesBeforeLoading = 64;

// Physical rows `offsets` (ascending, distinct) of the fragment's vector
// column as a VectorColumn whose row i is offsets[i].
Result<std::shared_ptr<const VectorColumn>> TakeVectorRows(const Snapshot& snap, const Fragment& fragment,
                                                           int field, std::span<const int64_t> offsets);

// Converts a fixed-size list array (float16/32/64, int8, uint8 elements)
// to float32 rows appended to `out`; nulls become zeros.
Status AppendVectorsAsFloat(const Array& vectors, std::vector<float>* out);

}  // namespace quiver
