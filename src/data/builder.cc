#include "quiver/builder.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "common/datetime.h"
#include "common/float16.h"

namespace quiver {

// common/datetime.h sees TimeUnit only as a declaration and numbers its
// enumerators 0..3.
static_assert(static_cast<int>(TimeUnit::kSecond) == 0 && static_cast<int>(TimeUnit::kMilli) == 1 &&
              static_cast<int>(TimeUnit::kMicro) == 2 && static_cast<int>(TimeUnit::kNano) == 3);

// ---------------------------------------------------------------------------
// ArrayBuilder defaults: every append a type does not override is a type
// error that names the value and the column type.

Status ArrayBuilder::Unsupported(std::string_view what) const {
  return Status::InvalidArgument("cannot append " + std::string(what) + " to a column of type " +
                                 type_->ToString());
}

Status ArrayBuilder::AppendBool(bool v) {
  return Unsupported(std::string("boolean ") + (v ? "true" : "false"));
}
Status ArrayBuilder::AppendInt(int64_t v) { return Unsupported("integer " + std::to_string(v)); }
Status ArrayBuilder::AppendUInt(uint64_t v) { return Unsupported("integer " + std::to_string(v)); }
Status ArrayBuilder::AppendDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return Unsupported("number " + std::string(buf, ec == std::errc() ? end : buf));
}
Status ArrayBuilder::AppendString(std::string_view v) {
  std::string shown(v.substr(0, 40));
  if (v.size() > 40) shown += "...";
  return Unsupported("string \"" + shown + "\"");
}
Status ArrayBuilder::AppendList() { return Unsupported("a list"); }
Status ArrayBuilder::AppendStruct() { return Unsupported("a struct"); }
Status ArrayBuilder::AppendVector(const float*, int64_t n) {
  return Unsupported("a vector of " + std::to_string(n) + " floats");
}
ArrayBuilder* ArrayBuilder::child(int) { return nullptr; }

namespace {

std::string FormatDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

// Validity bookkeeping shared by all builders: one bit per row, turned into
// a bitmap buffer only when some row is null.
class BuilderBase : public ArrayBuilder {
 protected:
  using ArrayBuilder::ArrayBuilder;

  // Records one row (valid or null) and advances length().
  void Commit(bool valid) {
    if ((length_ & 7) == 0) bits_.push_back(0);
    if (valid) {
      SetBit(bits_.data(), length_);
    } else {
      ++nulls_;
    }
    ++length_;
  }

  // The validity bitmap (null when no row is null) and the null count; resets
  // the bookkeeping and length().
  BufferPtr TakeValidity(int64_t* null_count) {
    *null_count = nulls_;
    BufferPtr out = nulls_ > 0 ? Buffer::Copy(bits_.data(), bits_.size()) : nullptr;
    bits_.clear();
    nulls_ = 0;
    length_ = 0;
    return out;
  }

 private:
  std::vector<uint8_t> bits_;
  int64_t nulls_ = 0;
};

// Builders that can take a whole row of floats at once (the element builder
// of vector columns). All-or-nothing: on error nothing is appended.
class FloatSink {
 public:
  virtual ~FloatSink() = default;
  virtual Status AppendFloats(const float* v, int64_t n) = 0;
};

// ---------------------------------------------------------------------------
// Null

class NullBuilder final : public ArrayBuilder {
 public:
  explicit NullBuilder(TypePtr type) : ArrayBuilder(std::move(type)) {}
  Status AppendNull() override {
    ++length_;
    return Status::OK();
  }
  ArrayPtr Finish() override {
    auto out = MakeNullArray(type_, length_);
    length_ = 0;
    return out;
  }
};

// ---------------------------------------------------------------------------
// Bool

class BoolBuilder final : public BuilderBase {
 public:
  explicit BoolBuilder(TypePtr type) : BuilderBase(std::move(type)) {}
  Status AppendNull() override {
    Push(false);
    Commit(false);
    return Status::OK();
  }
  Status AppendBool(bool v) override {
    Push(v);
    Commit(true);
    return Status::OK();
  }
  // 0 and 1 are accepted as false and true (CSV and JSON producers use them).
  Status AppendInt(int64_t v) override {
    if (v != 0 && v != 1) return Unsupported("integer " + std::to_string(v) + " (only 0 or 1)");
    return AppendBool(v == 1);
  }
  Status AppendUInt(uint64_t v) override {
    if (v > 1) return Unsupported("integer " + std::to_string(v) + " (only 0 or 1)");
    return AppendBool(v == 1);
  }
  ArrayPtr Finish() override {
    int64_t len = length_, nulls;
    auto values = Buffer::Copy(values_.data(), values_.size());
    auto validity = TakeValidity(&nulls);
    values_.clear();
    return std::make_shared<const Array>(type_, len, std::vector<BufferPtr>{validity, values},
                                         std::vector<ArrayPtr>{}, nulls);
  }

 private:
  void Push(bool v) {
    if ((length_ & 7) == 0) values_.push_back(0);
    if (v) SetBit(values_.data(), length_);
  }
  std::vector<uint8_t> values_;
};

// ---------------------------------------------------------------------------
// Numbers, dates and timestamps: one template over the storage type. For
// float16 the storage is the uint16 bit pattern.

template <typename T>
class NumericBuilder final : public BuilderBase, public FloatSink {
 public:
  explicit NumericBuilder(TypePtr type) : BuilderBase(std::move(type)) {}

  Status AppendNull() override {
    values_.push_back(T{});
    Commit(false);
    return Status::OK();
  }

  Status AppendInt(int64_t v) override { return AppendInteger(v); }
  Status AppendUInt(uint64_t v) override { return AppendInteger(v); }

  Status AppendDouble(double v) override {
    if (is_float()) return PushDouble(v);
    T out;
    QUIVER_RETURN_NOT_OK(ToInteger(v, &out));
    return Push(out);
  }

  Status AppendString(std::string_view v) override {
    if (type_->id() == TypeId::kDate32) {
      QUIVER_ASSIGN_OR_RETURN(int64_t days, ParseDate(v));
      return Push(static_cast<T>(days));
    }
    if (type_->id() == TypeId::kTimestamp) {
      QUIVER_ASSIGN_OR_RETURN(int64_t ts, ParseTimestamp(v, type_->unit()));
      return Push(static_cast<T>(ts));
    }
    return ArrayBuilder::AppendString(v);
  }

  Status AppendFloats(const float* v, int64_t n) override {
    size_t base = values_.size();
    if (is_float()) {
      for (int64_t k = 0; k < n; ++k) values_.push_back(FromDouble(v[k]));
    } else {
      for (int64_t k = 0; k < n; ++k) {
        T out;
        Status st = ToInteger(v[k], &out);
        if (!st.ok()) {
          values_.resize(base);
          return st.WithContext("element " + std::to_string(k));
        }
        values_.push_back(out);
      }
    }
    for (int64_t k = 0; k < n; ++k) Commit(true);
    return Status::OK();
  }

  ArrayPtr Finish() override {
    int64_t len = length_, nulls;
    auto values = Buffer::Copy(values_.data(), values_.size() * sizeof(T));
    auto validity = TakeValidity(&nulls);
    values_.clear();
    return std::make_shared<const Array>(type_, len, std::vector<BufferPtr>{validity, values},
                                         std::vector<ArrayPtr>{}, nulls);
  }

 private:
  bool is_float() const { return type_->is_floating(); }

  static T FromDouble(double v) {
    if constexpr (std::is_same_v<T, uint16_t>) {
      return FloatToHalf(static_cast<float>(v));  // only reached for float16
    } else {
      return static_cast<T>(v);
    }
  }

  template <typename I>
  Status AppendInteger(I v) {
    if (is_float()) return PushDouble(static_cast<double>(v));
    if constexpr (std::is_integral_v<T>) {
      if (!std::in_range<T>(v)) return OutOfRange(std::to_string(v));
      return Push(static_cast<T>(v));
    } else {
      return PushDouble(static_cast<double>(v));  // not reached: float storage is always is_float()
    }
  }

  Status PushDouble(double v) { return Push(FromDouble(v)); }
  Status Push(T v) {
    values_.push_back(v);
    Commit(true);
    return Status::OK();
  }

  Status OutOfRange(const std::string& v) const {
    return Status::InvalidArgument("value " + v + " is out of range for a column of type " +
                                   type_->ToString());
  }

  Status ToInteger(double v, T* out) const {
    if (!std::isfinite(v) || v != std::trunc(v)) {
      return Status::InvalidArgument("value " + FormatDouble(v) + " is not an integer (column type " +
                                     type_->ToString() + ")");
    }
    // [lo, hi) in doubles: hi = 2^digits is exact, max() itself may not be.
    const double hi = std::ldexp(1.0, std::numeric_limits<T>::digits);
    const double lo = std::is_signed_v<T> ? -hi : 0.0;
    if (v < lo || v >= hi) return OutOfRange(FormatDouble(v));
    *out = static_cast<T>(v);
    return Status::OK();
  }

  std::vector<T> values_;
};

// ---------------------------------------------------------------------------
// utf8 / binary with 32- or 64-bit offsets

bool IsValidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong encodings, surrogates and values past U+10FFFF are invalid.
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

class StringBuilder final : public BuilderBase {
 public:
  explicit StringBuilder(TypePtr type) : BuilderBase(std::move(type)) { offsets_.push_back(0); }

  Status AppendNull() override {
    offsets_.push_back(static_cast<int64_t>(data_.size()));
    Commit(false);
    return Status::OK();
  }

  Status AppendString(std::string_view v) override {
    bool is_utf8 = type_->id() == TypeId::kUtf8 || type_->id() == TypeId::kLargeUtf8;
    if (is_utf8 && !IsValidUtf8(v)) {
      return Status::InvalidArgument("value is not valid UTF-8 (column type " + type_->ToString() +
                                     "; use binary for raw bytes)");
    }
    if (!type_->is_large_offsets() &&
        data_.size() + v.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Status::InvalidArgument("column of type " + type_->ToString() +
                                     " cannot hold more than 2^31-1 bytes per array; use large_" +
                                     type_->ToString());
    }
    data_.append(v);
    offsets_.push_back(static_cast<int64_t>(data_.size()));
    Commit(true);
    return Status::OK();
  }

  ArrayPtr Finish() override {
    int64_t len = length_, nulls;
    BufferPtr offsets;
    if (type_->is_large_offsets()) {
      offsets = Buffer::Copy(offsets_.data(), offsets_.size() * sizeof(int64_t));
    } else {
      offsets = Buffer::Allocate(offsets_.size() * sizeof(int32_t));
      auto* o = reinterpret_cast<int32_t*>(offsets->mutable_data());
      for (size_t k = 0; k < offsets_.size(); ++k) o[k] = static_cast<int32_t>(offsets_[k]);
    }
    auto data = Buffer::Copy(data_.data(), data_.size());
    auto validity = TakeValidity(&nulls);
    offsets_.assign(1, 0);
    data_.clear();
    return std::make_shared<const Array>(type_, len, std::vector<BufferPtr>{validity, offsets, data},
                                         std::vector<ArrayPtr>{}, nulls);
  }

 private:
  std::vector<int64_t> offsets_;
  std::string data_;
};

// ---------------------------------------------------------------------------
// list / large_list

class ListBuilder final : public BuilderBase {
 public:
  explicit ListBuilder(TypePtr type) : BuilderBase(std::move(type)) {
    child_ = ArrayBuilder::Make(type_->value_type());
    offsets_.push_back(0);
  }

  Status AppendNull() override {
    QUIVER_RETURN_NOT_OK(CheckNoPending("AppendNull"));
    offsets_.push_back(offsets_.back());
    Commit(false);
    return Status::OK();
  }

  Status AppendList() override {
    int64_t end = child_->length();
    if (!type_->is_large_offsets() && end > std::numeric_limits<int32_t>::max()) {
      return Status::InvalidArgument("column of type " + type_->ToString() +
                                     " cannot hold more than 2^31-1 elements per array; use large_list");
    }
    offsets_.push_back(end);
    Commit(true);
    return Status::OK();
  }

  Status AppendVector(const float* v, int64_t n) override {
    QUIVER_RETURN_NOT_OK(CheckNoPending("AppendVector"));
    auto* sink = dynamic_cast<FloatSink*>(child_.get());
    if (!sink) return ArrayBuilder::AppendVector(v, n);
    QUIVER_RETURN_NOT_OK(sink->AppendFloats(v, n));
    return AppendList();
  }

  ArrayBuilder* child(int i) override { return i == 0 ? child_.get() : nullptr; }
  int num_children() const override { return 1; }

  ArrayPtr Finish() override {
    int64_t len = length_, nulls;
    BufferPtr offsets;
    if (type_->is_large_offsets()) {
      offsets = Buffer::Copy(offsets_.data(), offsets_.size() * sizeof(int64_t));
    } else {
      offsets = Buffer::Allocate(offsets_.size() * sizeof(int32_t));
      auto* o = reinterpret_cast<int32_t*>(offsets->mutable_data());
      for (size_t k = 0; k < offsets_.size(); ++k) o[k] = static_cast<int32_t>(offsets_[k]);
    }
    auto validity = TakeValidity(&nulls);
    offsets_.assign(1, 0);
    return std::make_shared<const Array>(type_, len, std::vector<BufferPtr>{validity, offsets},
                                         std::vector<ArrayPtr>{child_->Finish()}, nulls);
  }

 private:
  Status CheckNoPending(const char* op) const {
    int64_t pending = child_->length() - offsets_.back();
    if (pending == 0) return Status::OK();
    return Status::InvalidArgument(std::string(op) + " on a " + type_->ToString() + " builder with " +
                                   std::to_string(pending) + " elements not yet closed by AppendList");
  }

  std::unique_ptr<ArrayBuilder> child_;
  std::vector<int64_t> offsets_;
};

// ---------------------------------------------------------------------------
// fixed_size_list (vectors)

class FixedSizeListBuilder final : public BuilderBase {
 public:
  explicit FixedSizeListBuilder(TypePtr type) : BuilderBase(std::move(type)) {
    child_ = ArrayBuilder::Make(type_->value_type());
  }

  Status AppendNull() override {
    QUIVER_RETURN_NOT_OK(CheckNoPending("AppendNull"));
    // A null row still occupies list_size child slots (Arrow layout).
    for (int32_t k = 0; k < type_->list_size(); ++k) QUIVER_RETURN_NOT_OK(child_->AppendNull());
    Commit(false);
    return Status::OK();
  }

  Status AppendList() override {
    int64_t pending = Pending();
    if (pending != type_->list_size()) {
      return Status::InvalidArgument("row has " + std::to_string(pending) + " values, column type " +
                                     type_->ToString() + " expects " + std::to_string(type_->list_size()));
    }
    Commit(true);
    return Status::OK();
  }

  Status AppendVector(const float* v, int64_t n) override {
    if (n != type_->list_size()) {
      return Status::InvalidArgument("vector has dimension " + std::to_string(n) + ", column type " +
                                     type_->ToString() + " expects " + std::to_string(type_->list_size()));
    }
    QUIVER_RETURN_NOT_OK(CheckNoPending("AppendVector"));
    auto* sink = dynamic_cast<FloatSink*>(child_.get());
    if (!sink) return ArrayBuilder::AppendVector(v, n);
    QUIVER_RETURN_NOT_OK(sink->AppendFloats(v, n));
    Commit(true);
    return Status::OK();
  }

  ArrayBuilder* child(int i) override { return i == 0 ? child_.get() : nullptr; }
  int num_children() const override { return 1; }

  ArrayPtr Finish() override {
    int64_t len = length_, nulls;
    auto validity = TakeValidity(&nulls);
    return std::make_shared<const Array>(type_, len, std::vector<BufferPtr>{validity},
                                         std::vector<ArrayPtr>{child_->Finish()}, nulls);
  }

 private:
  int64_t Pending() const { return child_->length() - length_ * type_->list_size(); }
  Status CheckNoPending(const char* op) const {
    int64_t pending = Pending();
    if (pending == 0) return Status::OK();
    return Status::InvalidArgument(std::string(op) + " on a " + type_->ToString() + " builder with " +
                                   std::to_string(pending) + " elements not yet closed by AppendList");
  }

  std::unique_ptr<ArrayBuilder> child_;
};

// ---------------------------------------------------------------------------
// struct

class StructBuilder final : public BuilderBase {
 public:
  explicit StructBuilder(TypePtr type) : BuilderBase(std::move(type)) {
    for (const auto& f : type_->children()) children_.push_back(ArrayBuilder::Make(f.type));
  }

  Status AppendNull() override {
    for (size_t c = 0; c < children_.size(); ++c) {
      if (children_[c]->length() != length_) {
        return Status::InvalidArgument("AppendNull on a struct builder whose field \"" +
                                       type_->children()[c].name + "\" already has a value for row " +
                                       std::to_string(length_));
      }
    }
    for (auto& c : children_) QUIVER_RETURN_NOT_OK(c->AppendNull());
    Commit(false);
    return Status::OK();
  }

  Status AppendStruct() override {
    for (size_t c = 0; c < children_.size(); ++c) {
      if (children_[c]->length() != length_ + 1) {
        return Status::InvalidArgument("struct field \"" + type_->children()[c].name + "\" has " +
                                       std::to_string(children_[c]->length() - length_) + " values for row " +
                                       std::to_string(length_) +
                                       "; append exactly one value to every field before AppendStruct");
      }
    }
    Commit(true);
    return Status::OK();
  }
  Status AppendList() override { return AppendStruct(); }

  ArrayBuilder* child(int i) override { return i >= 0 && i < num_children() ? children_[i].get() : nullptr; }
  int num_children() const override { return static_cast<int>(children_.size()); }

  ArrayPtr Finish() override {
    int64_t len = length_, nulls;
    auto validity = TakeValidity(&nulls);
    std::vector<ArrayPtr> children;
    for (auto& c : children_) children.push_back(c->Finish());
    return std::make_shared<const Array>(type_, len, std::vector<BufferPtr>{validity}, std::move(children),
                                         nulls);
  }

 private:
  std::vector<std::unique_ptr<ArrayBuilder>> children_;
};

}  // namespace

std::unique_ptr<ArrayBuilder> ArrayBuilder::Make(TypePtr type) {
  switch (type->id()) {
    case TypeId::kNull:
      return std::make_unique<NullBuilder>(std::move(type));
    case TypeId::kBool:
      return std::make_unique<BoolBuilder>(std::move(type));
    case TypeId::kInt8:
      return std::make_unique<NumericBuilder<int8_t>>(std::move(type));
    case TypeId::kInt16:
      return std::make_unique<NumericBuilder<int16_t>>(std::move(type));
    case TypeId::kInt32:
    case TypeId::kDate32:
      return std::make_unique<NumericBuilder<int32_t>>(std::move(type));
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return std::make_unique<NumericBuilder<int64_t>>(std::move(type));
    case TypeId::kUInt8:
      return std::make_unique<NumericBuilder<uint8_t>>(std::move(type));
    case TypeId::kUInt16:
    case TypeId::kFloat16:
      return std::make_unique<NumericBuilder<uint16_t>>(std::move(type));
    case TypeId::kUInt32:
      return std::make_unique<NumericBuilder<uint32_t>>(std::move(type));
    case TypeId::kUInt64:
      return std::make_unique<NumericBuilder<uint64_t>>(std::move(type));
    case TypeId::kFloat32:
      return std::make_unique<NumericBuilder<float>>(std::move(type));
    case TypeId::kFloat64:
      return std::make_unique<NumericBuilder<double>>(std::move(type));
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return std::make_unique<StringBuilder>(std::move(type));
    case TypeId::kList:
    case TypeId::kLargeList:
      return std::make_unique<ListBuilder>(std::move(type));
    case TypeId::kFixedSizeList:
      return std::make_unique<FixedSizeListBuilder>(std::move(type));
    case TypeId::kStruct:
      return std::make_unique<StructBuilder>(std::move(type));
  }
  return nullptr;
}

}  // namespace quiver
