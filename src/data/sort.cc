#include "quiver/sort.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "common/float16.h"

namespace quiver {

namespace {

// Compares rows a and b of one non-null column: <0, 0 or >0.
using Compare = std::function<int(int64_t a, int64_t b)>;

template <typename T>
int Three(T x, T y) {
  return x < y ? -1 : (y < x ? 1 : 0);
}

// NaN after every number, equal to itself.
int ThreeFloat(double x, double y) {
  const bool nx = std::isnan(x), ny = std::isnan(y);
  if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
  return Three(x, y);
}

template <typename T>
Compare Numbers(const Array& a) {
  const T* v = a.values<T>();
  return [v](int64_t i, int64_t j) { return Three(v[i], v[j]); };
}

template <typename T>
Compare Floats(const Array& a) {
  const T* v = a.values<T>();
  return [v](int64_t i, int64_t j) { return ThreeFloat(v[i], v[j]); };
}

Result<Compare> ValueCompare(const Array& a, const std::string& name) {
  switch (a.type()->id()) {
    case TypeId::kBool:
      return Compare([&a](int64_t i, int64_t j) { return Three<int>(a.GetBool(i), a.GetBool(j)); });
    case TypeId::kInt8:
      return Numbers<int8_t>(a);
    case TypeId::kInt16:
      return Numbers<int16_t>(a);
    case TypeId::kInt32:
    case TypeId::kDate32:
      return Numbers<int32_t>(a);
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return Numbers<int64_t>(a);
    case TypeId::kUInt8:
      return Numbers<uint8_t>(a);
    case TypeId::kUInt16:
      return Numbers<uint16_t>(a);
    case TypeId::kUInt32:
      return Numbers<uint32_t>(a);
    case TypeId::kUInt64:
      return Numbers<uint64_t>(a);
    case TypeId::kFloat16: {
      const uint16_t* v = a.values<uint16_t>();
      return Compare([v](int64_t i, int64_t j) { return ThreeFloat(HalfToFloat(v[i]), HalfToFloat(v[j])); });
    }
    case TypeId::kFloat32:
      return Floats<float>(a);
    case TypeId::kFloat64:
      return Floats<double>(a);
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return Compare([&a](int64_t i, int64_t j) { return a.GetView(i).compare(a.GetView(j)); });
    default:
      return Status::InvalidArgument("cannot sort by column \"" + name + "\" of type " +
                                     a.type()->ToString());
  }
}

}  // namespace

Result<std::vector<int64_t>> SortIndices(const RecordBatch& batch, const std::vector<SortKey>& keys) {
  struct Key {
    const Array* array;
    Compare compare;
    bool ascending, nulls_first;
  };
  std::vector<Key> resolved;
  for (const SortKey& k : keys) {
    const ArrayPtr column = batch.GetColumn(k.column);
    if (column == nullptr) {
      std::string names;
      for (const Field& f : batch.schema()->fields()) names += (names.empty() ? "" : ", ") + f.name;
      return Status::InvalidArgument("cannot sort by \"" + k.column +
                                     "\": no such column (columns: " + names + ")");
    }
    QUIVER_ASSIGN_OR_RETURN(Compare compare, ValueCompare(*column, k.column));
    resolved.push_back({column.get(), std::move(compare), k.ascending, k.nulls_first});
  }
  std::vector<int64_t> order(static_cast<size_t>(batch.num_rows()));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) {
    for (const Key& k : resolved) {
      const bool ni = k.array->IsNull(i), nj = k.array->IsNull(j);
      if (ni || nj) {
        if (ni == nj) continue;
        return ni == k.nulls_first;
      }
      const int c = k.compare(i, j);
      if (c != 0) return k.ascending ? c < 0 : c > 0;
    }
    return false;
  });
  return order;
}

Result<BatchPtr> SortBatch(const RecordBatch& batch, const std::vector<SortKey>& keys, int64_t offset,
                           int64_t limit) {
  QUIVER_ASSIGN_OR_RETURN(std::vector<int64_t> order, SortIndices(batch, keys));
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t begin = std::clamp<int64_t>(offset, 0, n);
  const int64_t end = limit < 0 ? n : std::min(n, begin + limit);
  std::span<const int64_t> rows(order.data() + begin, static_cast<size_t>(end - begin));
  std::vector<ArrayPtr> columns;
  for (int c = 0; c < batch.num_columns(); ++c) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr taken, Take(*batch.column(c), rows));
    columns.push_back(std::move(taken));
  }
  return std::make_shared<RecordBatch>(batch.schema(), end - begin, std::move(columns));
}

}  // namespace quiver
