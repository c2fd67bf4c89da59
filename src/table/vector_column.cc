#include "table/vector_column.h"

#include <cmath>
#include <string>

#include "common/float16.h"
#include "index/vector/distance.h"

namespace quiver {
namespace {

template <typename T>
void Widen(const T* src, int64_t count, float* dst) {
  for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<float>(src[i]);
}

std::string CacheKey(const Snapshot& snap, const Fragment& fragment, int field) {
  const int32_t field_id = snap.manifest->field_ids[field];
  for (const DataFileRef& file : fragment.files) {
    for (int32_t id : file.field_ids) {
      if (id == field_id) return file.key + "#" + std::to_string(field_id);
    }
  }
  // The column was added after this fragment was written: all nulls.
  return "fragment/" + std::to_string(fragment.id) + "#" + std::to_string(field_id) + "#" +
         std::to_string(fragment.physical_rows);
}

}  // namespace

Status AppendVectorsAsFloat(const Array& vectors, std::vector<float>* out) {
  const DataType& type = *vectors.type();
  if (type.id() != TypeId::kFixedSizeList) {
    return Status::InvalidArgument("expected a fixed_size_list vector column, got " + type.ToString());
  }
  const int64_t dim = type.list_size();
  const Array& child = *vectors.child(0);
  const int64_t first = (vectors.offset()) * dim;
  const int64_t count = vectors.length() * dim;
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(count));
  float* dst = out->data() + at;
  switch (child.type()->id()) {
    case TypeId::kFloat32:
      Widen(child.values<float>() + first, count, dst);
      break;
    case TypeId::kFloat64:
      Widen(child.values<double>() + first, count, dst);
      break;
    case TypeId::kFloat16: {
      const uint16_t* src = child.values<uint16_t>() + first;
      for (int64_t i = 0; i < count; ++i) dst[i] = HalfToFloat(src[i]);
      break;
    }
    case TypeId::kInt8:
      Widen(child.values<int8_t>() + first, count, dst);
      break;
    case TypeId::kUInt8:
      Widen(child.values<uint8_t>() + first, count, dst);
      break;
    default:
      out->resize(at);
      return Status::InvalidArgument("vector elements of type " + child.type()->ToString() +
                                     " are not supported (float16, float32, float64, int8, uint8 are)");
  }
  for (int64_t r = 0; r < vectors.length(); ++r) {
    if (vectors.IsNull(r)) std::fill(dst + r * dim, dst + (r + 1) * dim, 0.0f);
  }
  return Status::OK();
}

namespace {

// The rows of `vectors` (a fixed-size list array of field `f`) as a dense
// VectorColumn.
Result<std::shared_ptr<VectorColumn>> MakeVectorColumn(const Array& vectors, const Field& f) {
  auto column = std::make_shared<VectorColumn>();
  column->num_rows = vectors.length();
  column->dim = f.type->list_size();
  column->values.reserve(static_cast<size_t>(column->num_rows) * column->dim);
  QUIVER_RETURN_NOT_OK(
      AppendVectorsAsFloat(vectors, &column->values).WithContext("column \"" + f.name + "\""));
  if (vectors.null_count() > 0) {
    column->nulls.resize(column->num_rows);
    for (int64_t i = 0; i < column->num_rows; ++i) column->nulls[i] = vectors.IsNull(i);
  }
  if (f.type->value_type()->id() == TypeId::kUInt8) {
    const uint8_t* src = vectors.child(0)->values<uint8_t>() + vectors.offset() * column->dim;
    column->bytes.assign(src, src + column->num_rows * column->dim);
  }
  const auto& kernels = index::Kernels();
  column->norms_sq.resize(column->num_rows);
  for (int64_t i = 0; i < column->num_rows; ++i) {
    column->norms_sq[i] = kernels.norm_sq_f32(column->row(i), column->dim);
  }
  return column;
}

Status CheckVectorField(const Field& f) {
  if (f.type->id() != TypeId::kFixedSizeList) {
    return Status::InvalidArgument("column \"" + f.name + "\" is not a vector column (it is " +
                                   f.type->ToString() + ")");
  }
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<const VectorColumn>> LoadVectorColumn(const Snapshot& snap, const Fragment& fragment,
                                                             int field) {
  const Field& f = snap.schema().field(field);
  QUIVER_RETURN_NOT_OK(CheckVectorField(f));
  const std::string key = CacheKey(snap, fragment, field);
  return snap.files->CachedVectors(key, [&]() -> Result<std::shared_ptr<const VectorColumn>> {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, snap.ReadFragment(fragment, {field}, 0, fragment.physical_rows));
    QUIVER_ASSIGN_OR_RETURN(auto column, MakeVectorColumn(*batch->column(0), f));
    return std::shared_ptr<const VectorColumn>(std::move(column));
  });
}

Result<std::shared_ptr<const VectorColumn>> VectorColumnForRefine(const Snapshot& snap,
                                                                  const Fragment& fragment, int field) {
  QUIVER_RETURN_NOT_OK(CheckVectorField(snap.schema().field(field)));
  const std::string key = CacheKey(snap, fragment, field);
  if (auto held = snap.files->PeekVectors(key)) return held;
  if (snap.files->store()->is_local() ||
      snap.files->CountPartialVectorRead(key) > kRefineTakesBeforeLoading) {
    return LoadVectorColumn(snap, fragment, field);
  }
  return std::shared_ptr<const VectorColumn>();
}

Result<std::shared_ptr<const VectorColumn>> TakeVectorRows(const Snapshot& snap, const Fragment& fragment,
                                                           int field, std::span<const int64_t> offsets) {
  const Field& f = snap.schema().field(field);
  QUIVER_RETURN_NOT_OK(CheckVectorField(f));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, snap.TakeFromFragment(fragment, {field}, offsets));
  QUIVER_ASSIGN_OR_RETURN(auto column, MakeVectorColumn(*batch->column(0), f));
  return std::shared_ptr<const VectorColumn>(std::move(column));
}

}  // namespace quiver
