#include "expr/kernel.h"

#include <limits>

namespace quiver::expr {

Result<ArrayPtr> ToArray(const Datum& d, int64_t length) {
  if (d.is_array()) return d.array;
  return MakeArrayFromScalar(d.scalar, length);
}

ArrayPtr MakeFixedArray(TypePtr type, int64_t length, BufferPtr values, BufferPtr validity) {
  return std::make_shared<Array>(std::move(type), length,
                                 std::vector<BufferPtr>{std::move(validity), std::move(values)});
}

ArrayPtr MakeBoolArray(int64_t length, BufferPtr values, BufferPtr validity) {
  return MakeFixedArray(boolean(), length, std::move(values), std::move(validity));
}

StringReader::StringReader(const Array& array) : large_(array.type()->is_large_offsets()) {
  if (array.buffers().size() < 3 || !array.buffer(1)) {
    // A zero-length array may come without buffers; nothing is read then.
    static const int64_t kZeros[2] = {0, 0};
    large_ = true;
    offsets64_ = kZeros;
    return;
  }
  if (large_) {
    offsets64_ = array.buffer(1)->data_as<int64_t>() + array.offset();
  } else {
    offsets32_ = array.buffer(1)->data_as<int32_t>() + array.offset();
  }
  if (array.buffer(2)) data_ = reinterpret_cast<const char*>(array.buffer(2)->data());
}

StringWriter::StringWriter(TypePtr type, int64_t reserve_rows)
    : type_(std::move(type)), large_(type_->is_large_offsets()) {
  offsets_.reserve(static_cast<size_t>(reserve_rows) + 1);
  valid_.reserve(static_cast<size_t>(reserve_rows));
  offsets_.push_back(0);
}

void StringWriter::Append(std::string_view v) {
  data_.append(v);
  CloseRow(true);
}

void StringWriter::AppendNull() { CloseRow(false); }

void StringWriter::CloseRow(bool valid) {
  offsets_.push_back(static_cast<int64_t>(data_.size()));
  valid_.push_back(valid ? 1 : 0);
  any_null_ |= !valid;
}

Result<ArrayPtr> StringWriter::Finish() {
  const int64_t n = static_cast<int64_t>(valid_.size());
  if (!large_ && data_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument("result of " + std::to_string(data_.size()) +
                                   " bytes exceeds the 2 GiB of a " + type_->ToString() + " array");
  }
  BufferPtr offsets;
  if (large_) {
    offsets = Buffer::Copy(offsets_.data(), offsets_.size() * sizeof(int64_t));
  } else {
    offsets = Buffer::AllocateUninitialized(offsets_.size() * sizeof(int32_t));
    int32_t* o = MutableValues<int32_t>(offsets);
    for (size_t i = 0; i < offsets_.size(); ++i) o[i] = static_cast<int32_t>(offsets_[i]);
  }
  BufferPtr validity;
  if (any_null_) {
    validity = AllocateBitmap(n);
    uint64_t* words = MutableWords(validity);
    FillBits(words, n, [&](int64_t i) { return valid_[i] != 0; });
  }
  BufferPtr data = Buffer::FromString(std::move(data_));
  return std::make_shared<Array>(type_, n, std::vector<BufferPtr>{validity, offsets, data});
}

StringInput::StringInput(const Datum& d) {
  if (d.is_array()) {
    array_ = d.array.get();
    reader_ = std::make_unique<StringReader>(*d.array);
  } else if (d.scalar.is_null()) {
    null_ = true;
  } else if (const auto* s = std::get_if<std::string>(&d.scalar.value)) {
    constant_ = *s;
  }
}

IntInput::IntInput(const Datum& d) {
  if (d.is_array()) {
    array_ = d.array.get();
    const int64_t n = d.array->length();
    values_.resize(static_cast<size_t>(n));
    (void)VisitNumeric(d.array->type()->id(), [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (std::is_integral_v<T>) {
        const T* p = d.array->values<T>();
        for (int64_t i = 0; i < n; ++i) values_[i] = static_cast<int64_t>(p[i]);
      }
      return Status::OK();
    });
  } else if (d.scalar.is_null()) {
    null_ = true;
  } else {
    constant_ = ScalarTo<int64_t>(d.scalar);
  }
}

std::string InExpr(const BoundExpr& expr) { return "in \"" + expr.ToString() + "\""; }

}  // namespace quiver::expr
