#include "quiver/array.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common/datetime.h"
#include "common/float16.h"

namespace quiver {

namespace {

// Number of set bits in bits [offset, offset + length).
int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = offset;
  int64_t end = offset + length;
  // Bits up to the next byte boundary, whole bytes, then the tail.
  while (i < end && (i & 7) != 0) count += GetBit(bits, i++);
  while (i + 64 <= end) {
    uint64_t word;
    std::memcpy(&word, bits + (i >> 3), sizeof(word));
    count += std::popcount(word);
    i += 64;
  }
  while (i + 8 <= end) {
    count += std::popcount(static_cast<unsigned>(bits[i >> 3]));
    i += 8;
  }
  while (i < end) count += GetBit(bits, i++);
  return count;
}

// Offsets as int64 whatever their width.
int64_t OffsetAt(const Array& a, int64_t physical_index) {
  if (a.type()->is_large_offsets()) return a.buffer(1)->data_as<int64_t>()[physical_index];
  return a.buffer(1)->data_as<int32_t>()[physical_index];
}

bool CheckedMul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }
bool CheckedAdd(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }

}  // namespace

// ---------------------------------------------------------------------------
// Array

Array::Array(TypePtr type, int64_t length, std::vector<BufferPtr> buffers, std::vector<ArrayPtr> children,
             int64_t null_count, int64_t offset)
    : type_(std::move(type)),
      length_(length),
      offset_(offset),
      null_count_(null_count),
      buffers_(std::move(buffers)),
      children_(std::move(children)) {
  // Pad missing buffers with nulls so that buffer(i) is always in range for
  // the type's layout; Validate() reports required buffers that are absent.
  if (type_ && static_cast<int>(buffers_.size()) < type_->num_buffers())
    buffers_.resize(type_->num_buffers());
  if (type_ && type_->id() == TypeId::kNull) {
    null_count_ = length_;
  } else if ((buffers_.empty() || !buffers_[0]) && null_count_ < 0) {
    null_count_ = 0;  // no bitmap: no nulls (a stated count > 0 is left for Validate to report)
  }
}

int64_t Array::null_count() const {
  // Arrays are shared between threads; the lazy count is a benign race made
  // well-defined with relaxed atomics (every thread computes the same value).
  std::atomic_ref<int64_t> cached(null_count_);
  int64_t n = cached.load(std::memory_order_relaxed);
  if (n >= 0) return n;
  n = length_ - CountSetBits(buffers_[0]->data(), offset_, length_);
  cached.store(n, std::memory_order_relaxed);
  return n;
}

std::string_view Array::GetView(int64_t i) const {
  if (IsNull(i)) return {};
  int64_t begin = OffsetAt(*this, offset_ + i);
  int64_t end = OffsetAt(*this, offset_ + i + 1);
  return {reinterpret_cast<const char*>(buffers_[2]->data()) + begin, static_cast<size_t>(end - begin)};
}

std::pair<int64_t, int64_t> Array::ListRange(int64_t i) const {
  if (type_->id() == TypeId::kFixedSizeList) {
    int64_t size = type_->list_size();
    return {(offset_ + i) * size, (offset_ + i + 1) * size};
  }
  return {OffsetAt(*this, offset_ + i), OffsetAt(*this, offset_ + i + 1)};
}

ArrayPtr Array::Slice(int64_t offset, int64_t length) const {
  offset = std::clamp<int64_t>(offset, 0, length_);
  length = std::clamp<int64_t>(length, 0, length_ - offset);
  int64_t nulls = -1;
  int64_t known = std::atomic_ref<int64_t>(null_count_).load(std::memory_order_relaxed);
  if (known == 0) nulls = 0;
  if (type_->id() == TypeId::kNull) nulls = length;
  return std::make_shared<const Array>(type_, length, buffers_, children_, nulls, offset_ + offset);
}

Status Array::Validate() const {
  if (!type_) return Status::InvalidArgument("array has no type");
  const std::string tname = type_->ToString();
  auto invalid = [&](const std::string& what) { return Status::InvalidArgument(tname + " array: " + what); };
  if (length_ < 0) return invalid("negative length " + std::to_string(length_));
  if (offset_ < 0) return invalid("negative offset " + std::to_string(offset_));
  int64_t end;  // offset + length: the number of slots the buffers must cover
  if (!CheckedAdd(offset_, length_, &end)) return invalid("offset + length overflows");
  if (static_cast<int>(buffers_.size()) != type_->num_buffers()) {
    return invalid("has " + std::to_string(buffers_.size()) + " buffers, expected " +
                   std::to_string(type_->num_buffers()));
  }
  // Buffers hold at most SIZE_MAX bytes; compare in int64 without overflow.
  auto buffer_size = [&](int i) -> int64_t {
    size_t s = buffers_[i]->size();
    return s > static_cast<size_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                        : static_cast<int64_t>(s);
  };
  auto require = [&](int i, int64_t bytes, const char* what) -> Status {
    if (!buffers_[i]) return invalid(std::string(what) + " buffer is missing");
    if (buffer_size(i) < bytes) {
      return invalid(std::string(what) + " buffer has " + std::to_string(buffer_size(i)) + " bytes, needs " +
                     std::to_string(bytes) + " for offset " + std::to_string(offset_) + " + length " +
                     std::to_string(length_));
    }
    return Status::OK();
  };

  if (type_->id() == TypeId::kNull) {
    if (null_count_ != length_) return invalid("null array must have null_count == length");
    return Status::OK();
  }
  if (null_count_ > length_ || null_count_ < -1) {
    return invalid("null count " + std::to_string(null_count_) + " is outside [0, " +
                   std::to_string(length_) + "]");
  }
  if (buffers_[0]) {
    QUIVER_RETURN_NOT_OK(require(0, (end + 7) / 8, "validity"));
    int64_t known = std::atomic_ref<int64_t>(null_count_).load(std::memory_order_relaxed);
    if (known >= 0) {
      int64_t actual = length_ - CountSetBits(buffers_[0]->data(), offset_, length_);
      if (actual != known) {
        return invalid("null count " + std::to_string(known) + " does not match the validity bitmap (" +
                       std::to_string(actual) + " nulls)");
      }
    }
  } else if (null_count_ > 0) {
    return invalid("null count " + std::to_string(null_count_) + " but no validity bitmap");
  }

  int width = type_->bit_width();
  if (width == 1) return require(1, (end + 7) / 8, "values");
  if (width > 0) {
    int64_t bytes;
    if (!CheckedMul(end, width / 8, &bytes)) return invalid("values size overflows");
    return require(1, bytes, "values");
  }

  auto check_offsets = [&](int64_t limit, const char* limit_name) -> Status {
    int w = type_->is_large_offsets() ? 8 : 4;
    int64_t bytes;
    if (!CheckedMul(end + 1, w, &bytes)) return invalid("offsets size overflows");
    QUIVER_RETURN_NOT_OK(require(1, bytes, "offsets"));
    int64_t prev = OffsetAt(*this, offset_);
    if (prev < 0)
      return invalid("offset " + std::to_string(prev) + " at slot " + std::to_string(offset_) +
                     " is negative");
    for (int64_t i = offset_ + 1; i <= end; ++i) {
      int64_t cur = OffsetAt(*this, i);
      if (cur < prev) {
        return invalid("offsets decrease at slot " + std::to_string(i) + " (" + std::to_string(prev) + " > " +
                       std::to_string(cur) + ")");
      }
      prev = cur;
    }
    if (prev > limit) {
      return invalid("last offset " + std::to_string(prev) + " exceeds the " + limit_name + " (" +
                     std::to_string(limit) + ")");
    }
    return Status::OK();
  };
  auto check_child = [&](int i, const TypePtr& expected, int64_t min_length) -> Status {
    const ArrayPtr& c = children_[i];
    if (!c) return invalid("child " + std::to_string(i) + " is missing");
    if (!c->type() || !c->type()->Equals(*expected)) {
      return invalid("child " + std::to_string(i) + " has type " +
                     (c->type() ? c->type()->ToString() : std::string("<none>")) + ", expected " +
                     expected->ToString());
    }
    if (c->length() < min_length) {
      return invalid("child " + std::to_string(i) + " has " + std::to_string(c->length()) +
                     " values, needs at least " + std::to_string(min_length));
    }
    return c->Validate().WithContext("child " + std::to_string(i));
  };

  switch (type_->id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      if (!buffers_[2]) return invalid("data buffer is missing");
      return check_offsets(buffer_size(2), "data size");
    case TypeId::kList:
    case TypeId::kLargeList:
      if (children_.size() != 1) return invalid("must have exactly one child");
      if (!children_[0]) return invalid("child 0 is missing");
      QUIVER_RETURN_NOT_OK(check_offsets(children_[0]->length(), "child length"));
      return check_child(0, type_->value_type(), 0);
    case TypeId::kFixedSizeList: {
      if (children_.size() != 1) return invalid("must have exactly one child");
      if (type_->list_size() < 0) return invalid("negative list size");
      int64_t needed;
      if (!CheckedMul(end, type_->list_size(), &needed)) return invalid("child length overflows");
      return check_child(0, type_->value_type(), needed);
    }
    case TypeId::kStruct: {
      const auto& fields = type_->children();
      if (children_.size() != fields.size()) {
        return invalid("has " + std::to_string(children_.size()) + " children, expected " +
                       std::to_string(fields.size()));
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        QUIVER_RETURN_NOT_OK(check_child(static_cast<int>(i), fields[i].type, end));
      }
      return Status::OK();
    }
    default:
      return invalid("unsupported type");
  }
}

namespace {

// Whether row i of a equals row j of b; both have the same type.
bool RowsEqual(const Array& a, int64_t i, const Array& b, int64_t j) {
  bool an = a.IsNull(i), bn = b.IsNull(j);
  if (an || bn) return an == bn;
  const DataType& t = *a.type();
  int width = t.bit_width();
  if (width == 1) return a.GetBool(i) == b.GetBool(j);
  if (width > 0) {
    int bytes = width / 8;
    return std::memcmp(a.buffer(1)->data() + (a.offset() + i) * bytes,
                       b.buffer(1)->data() + (b.offset() + j) * bytes, bytes) == 0;
  }
  switch (t.id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return a.GetView(i) == b.GetView(j);
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kFixedSizeList: {
      auto [ab, ae] = a.ListRange(i);
      auto [bb, be] = b.ListRange(j);
      if (ae - ab != be - bb) return false;
      for (int64_t k = 0; k < ae - ab; ++k) {
        if (!RowsEqual(*a.child(0), ab + k, *b.child(0), bb + k)) return false;
      }
      return true;
    }
    case TypeId::kStruct:
      for (size_t c = 0; c < a.children().size(); ++c) {
        if (!RowsEqual(*a.child(c), a.offset() + i, *b.child(c), b.offset() + j)) return false;
      }
      return true;
    default:
      return true;
  }
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

template <typename T>
void AppendNumber(std::string* out, T v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendFloat(std::string* out, double v, bool single) {
  if (std::isnan(v)) {
    *out += "nan";
  } else if (std::isinf(v)) {
    *out += v < 0 ? "-inf" : "inf";
  } else if (single) {
    AppendNumber(out, static_cast<float>(v));
  } else {
    AppendNumber(out, v);
  }
}

void FormatInto(std::string* out, const Array& a, int64_t i, int depth) {
  if (a.IsNull(i)) {
    *out += "null";
    return;
  }
  const DataType& t = *a.type();
  switch (t.id()) {
    case TypeId::kNull:
      *out += "null";
      return;
    case TypeId::kBool:
      *out += a.GetBool(i) ? "true" : "false";
      return;
    case TypeId::kInt8:
      return AppendNumber(out, a.values<int8_t>()[i]);
    case TypeId::kInt16:
      return AppendNumber(out, a.values<int16_t>()[i]);
    case TypeId::kInt32:
      return AppendNumber(out, a.values<int32_t>()[i]);
    case TypeId::kInt64:
      return AppendNumber(out, a.values<int64_t>()[i]);
    case TypeId::kUInt8:
      return AppendNumber(out, a.values<uint8_t>()[i]);
    case TypeId::kUInt16:
      return AppendNumber(out, a.values<uint16_t>()[i]);
    case TypeId::kUInt32:
      return AppendNumber(out, a.values<uint32_t>()[i]);
    case TypeId::kUInt64:
      return AppendNumber(out, a.values<uint64_t>()[i]);
    case TypeId::kFloat16:
      return AppendFloat(out, HalfToFloat(a.values<uint16_t>()[i]), true);
    case TypeId::kFloat32:
      return AppendFloat(out, a.values<float>()[i], true);
    case TypeId::kFloat64:
      return AppendFloat(out, a.values<double>()[i], false);
    case TypeId::kDate32:
      *out += FormatDate(a.values<int32_t>()[i]);
      return;
    case TypeId::kTimestamp:
      *out += FormatTimestamp(a.values<int64_t>()[i], t.unit(), FractionStyle::kFull);
      // With a time zone the value is a UTC instant; it is shown in UTC.
      if (!t.timezone().empty()) *out += "Z";
      return;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
      return AppendQuoted(out, a.GetView(i));
    case TypeId::kBinary:
    case TypeId::kLargeBinary: {
      static const char kHex[] = "0123456789abcdef";
      *out += "0x";
      for (unsigned char c : a.GetView(i)) {
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
      }
      return;
    }
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kFixedSizeList: {
      auto [b, e] = a.ListRange(i);
      *out += "[";
      for (int64_t k = b; k < e; ++k) {
        if (k > b) *out += ", ";
        FormatInto(out, *a.child(0), k, depth + 1);
      }
      *out += "]";
      return;
    }
    case TypeId::kStruct: {
      *out += "{";
      for (size_t c = 0; c < a.children().size(); ++c) {
        if (c > 0) *out += ", ";
        *out += t.children()[c].name;
        *out += ": ";
        FormatInto(out, *a.child(c), a.offset() + i, depth + 1);
      }
      *out += "}";
      return;
    }
  }
}

}  // namespace

bool Array::Equals(const Array& other) const {
  if (this == &other) return true;
  if (!type_->Equals(*other.type_) || length_ != other.length_) return false;
  if (null_count() != other.null_count()) return false;
  if (type_->id() == TypeId::kNull) return true;
  // Fast path for fixed-width values without nulls: one memcmp.
  int width = type_->bit_width();
  if (width >= 8 && null_count() == 0) {
    int bytes = width / 8;
    return length_ == 0 || std::memcmp(buffers_[1]->data() + offset_ * bytes,
                                       other.buffers_[1]->data() + other.offset_ * bytes,
                                       static_cast<size_t>(length_) * bytes) == 0;
  }
  for (int64_t i = 0; i < length_; ++i) {
    if (!RowsEqual(*this, i, other, i)) return false;
  }
  return true;
}

std::string Array::FormatValue(int64_t i) const {
  std::string out;
  FormatInto(&out, *this, i, 0);
  return out;
}

// ---------------------------------------------------------------------------
// Concatenate / Take: both gather row ranges of arrays into new buffers.

namespace {

// Rows [start, start + length) of `array` (logical indices: the array's own
// offset is added when reading).
struct RowRange {
  const Array* array;
  int64_t start;
  int64_t length;
};

void CopyBits(const uint8_t* src, int64_t src_offset, uint8_t* dst, int64_t dst_offset, int64_t n) {
  if ((src_offset & 7) == 0 && (dst_offset & 7) == 0) {
    int64_t whole = n / 8;
    std::memcpy(dst + dst_offset / 8, src + src_offset / 8, static_cast<size_t>(whole));
    for (int64_t k = whole * 8; k < n; ++k) {
      if (GetBit(src, src_offset + k)) SetBit(dst, dst_offset + k);
    }
    return;
  }
  for (int64_t k = 0; k < n; ++k) {
    if (GetBit(src, src_offset + k)) SetBit(dst, dst_offset + k);
  }
}

Result<ArrayPtr> Gather(const TypePtr& type, const std::vector<RowRange>& ranges) {
  int64_t total = 0;
  for (const auto& r : ranges) total += r.length;
  if (type->id() == TypeId::kNull) return MakeNullArray(type, total);

  // Validity: only materialised when some input has a bitmap.
  BufferPtr validity;
  int64_t null_count = 0;
  bool any_bitmap = false;
  for (const auto& r : ranges) any_bitmap |= (r.array->buffer(0) != nullptr && r.length > 0);
  if (any_bitmap) {
    validity = Buffer::Allocate(static_cast<size_t>((total + 7) / 8));
    uint8_t* bits = validity->mutable_data();
    int64_t pos = 0;
    for (const auto& r : ranges) {
      if (r.array->buffer(0)) {
        CopyBits(r.array->buffer(0)->data(), r.array->offset() + r.start, bits, pos, r.length);
      } else {
        for (int64_t k = 0; k < r.length; ++k) SetBit(bits, pos + k);
      }
      pos += r.length;
    }
    null_count = total - CountSetBits(bits, 0, total);
    if (null_count == 0) validity = nullptr;
  }

  int width = type->bit_width();
  if (width == 1) {
    auto values = Buffer::Allocate(static_cast<size_t>((total + 7) / 8));
    int64_t pos = 0;
    for (const auto& r : ranges) {
      CopyBits(r.array->buffer(1)->data(), r.array->offset() + r.start, values->mutable_data(), pos,
               r.length);
      pos += r.length;
    }
    return std::make_shared<const Array>(type, total, std::vector<BufferPtr>{validity, values},
                                         std::vector<ArrayPtr>{}, null_count);
  }
  if (width > 0) {
    size_t bytes = width / 8;
    auto values = Buffer::Allocate(static_cast<size_t>(total) * bytes);
    uint8_t* dst = values->mutable_data();
    for (const auto& r : ranges) {
      size_t n = static_cast<size_t>(r.length) * bytes;
      if (n > 0) std::memcpy(dst, r.array->buffer(1)->data() + (r.array->offset() + r.start) * bytes, n);
      dst += n;
    }
    return std::make_shared<const Array>(type, total, std::vector<BufferPtr>{validity, values},
                                         std::vector<ArrayPtr>{}, null_count);
  }

  switch (type->id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kList:
    case TypeId::kLargeList: {
      bool large = type->is_large_offsets();
      bool is_list = type->id() == TypeId::kList || type->id() == TypeId::kLargeList;
      size_t ow = large ? 8 : 4;
      auto offsets = Buffer::Allocate(static_cast<size_t>(total + 1) * ow);
      // First pass: offsets and the size of the data (or child range list).
      int64_t pos = 0, acc = 0;
      std::vector<RowRange> child_ranges;
      auto put = [&](int64_t idx, int64_t v) {
        if (large) {
          reinterpret_cast<int64_t*>(offsets->mutable_data())[idx] = v;
        } else {
          reinterpret_cast<int32_t*>(offsets->mutable_data())[idx] = static_cast<int32_t>(v);
        }
      };
      put(0, 0);
      for (const auto& r : ranges) {
        if (r.length == 0) continue;
        int64_t phys = r.array->offset() + r.start;
        int64_t base = OffsetAt(*r.array, phys);
        for (int64_t k = 1; k <= r.length; ++k) put(pos + k, acc + OffsetAt(*r.array, phys + k) - base);
        int64_t span = OffsetAt(*r.array, phys + r.length) - base;
        acc += span;
        if (!large && acc > std::numeric_limits<int32_t>::max()) {
          return Status::InvalidArgument("result of concatenating " + type->ToString() + " values exceeds " +
                                         "2^31-1 bytes or elements; use the large_ variant of the type");
        }
        if (is_list && span > 0) child_ranges.push_back({r.array->child(0).get(), base, span});
        pos += r.length;
      }
      if (is_list) {
        ArrayPtr child;
        if (child_ranges.empty()) {
          child = MakeNullArray(type->value_type(), 0);
        } else {
          QUIVER_ASSIGN_OR_RETURN(child, Gather(type->value_type(), child_ranges));
        }
        return std::make_shared<const Array>(type, total, std::vector<BufferPtr>{validity, offsets},
                                             std::vector<ArrayPtr>{child}, null_count);
      }
      auto data = Buffer::Allocate(static_cast<size_t>(acc));
      uint8_t* dst = data->mutable_data();
      for (const auto& r : ranges) {
        if (r.length == 0) continue;
        int64_t phys = r.array->offset() + r.start;
        int64_t base = OffsetAt(*r.array, phys);
        int64_t span = OffsetAt(*r.array, phys + r.length) - base;
        if (span > 0) std::memcpy(dst, r.array->buffer(2)->data() + base, static_cast<size_t>(span));
        dst += span;
      }
      return std::make_shared<const Array>(type, total, std::vector<BufferPtr>{validity, offsets, data},
                                           std::vector<ArrayPtr>{}, null_count);
    }
    case TypeId::kFixedSizeList: {
      int64_t size = type->list_size();
      std::vector<RowRange> child_ranges;
      for (const auto& r : ranges) {
        if (r.length > 0 && size > 0) {
          child_ranges.push_back(
              {r.array->child(0).get(), (r.array->offset() + r.start) * size, r.length * size});
        }
      }
      ArrayPtr child;
      if (child_ranges.empty()) {
        child = MakeNullArray(type->value_type(), 0);
      } else {
        QUIVER_ASSIGN_OR_RETURN(child, Gather(type->value_type(), child_ranges));
      }
      return std::make_shared<const Array>(type, total, std::vector<BufferPtr>{validity},
                                           std::vector<ArrayPtr>{child}, null_count);
    }
    case TypeId::kStruct: {
      std::vector<ArrayPtr> children;
      for (size_t c = 0; c < type->children().size(); ++c) {
        std::vector<RowRange> child_ranges;
        for (const auto& r : ranges) {
          if (r.length > 0)
            child_ranges.push_back({r.array->child(c).get(), r.array->offset() + r.start, r.length});
        }
        ArrayPtr child;
        if (child_ranges.empty()) {
          child = MakeNullArray(type->children()[c].type, 0);
        } else {
          QUIVER_ASSIGN_OR_RETURN(child, Gather(type->children()[c].type, child_ranges));
        }
        children.push_back(std::move(child));
      }
      return std::make_shared<const Array>(type, total, std::vector<BufferPtr>{validity}, std::move(children),
                                           null_count);
    }
    default:
      return Status::NotSupported("cannot gather values of type " + type->ToString());
  }
}

}  // namespace

Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays) {
  if (arrays.empty()) return Status::InvalidArgument("Concatenate needs at least one array");
  const TypePtr& type = arrays[0]->type();
  std::vector<RowRange> ranges;
  ranges.reserve(arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (!arrays[i]->type()->Equals(*type)) {
      return Status::InvalidArgument("cannot concatenate arrays of different types: array 0 is " +
                                     type->ToString() + ", array " + std::to_string(i) + " is " +
                                     arrays[i]->type()->ToString());
    }
    ranges.push_back({arrays[i].get(), 0, arrays[i]->length()});
  }
  return Gather(type, ranges);
}

Result<ArrayPtr> Take(const Array& array, std::span<const int64_t> indices) {
  std::vector<RowRange> ranges;
  for (size_t k = 0; k < indices.size(); ++k) {
    int64_t idx = indices[k];
    if (idx < 0 || idx >= array.length()) {
      return Status::InvalidArgument("Take index " + std::to_string(idx) + " at position " +
                                     std::to_string(k) + " is out of range for an array of length " +
                                     std::to_string(array.length()));
    }
    // Runs of consecutive indices become one range (one memcpy).
    if (!ranges.empty() && ranges.back().start + ranges.back().length == idx) {
      ++ranges.back().length;
    } else {
      ranges.push_back({&array, idx, 1});
    }
  }
  return Gather(array.type(), ranges);
}

ArrayPtr MakeNullArray(const TypePtr& type, int64_t length) {
  length = std::max<int64_t>(length, 0);
  if (type->id() == TypeId::kNull) {
    return std::make_shared<const Array>(type, length, std::vector<BufferPtr>{}, std::vector<ArrayPtr>{},
                                         length);
  }
  auto validity = Buffer::Allocate(static_cast<size_t>((length + 7) / 8));
  int width = type->bit_width();
  if (width == 1) {
    return std::make_shared<const Array>(
        type, length,
        std::vector<BufferPtr>{validity, Buffer::Allocate(static_cast<size_t>((length + 7) / 8))},
        std::vector<ArrayPtr>{}, length);
  }
  if (width > 0) {
    return std::make_shared<const Array>(
        type, length,
        std::vector<BufferPtr>{validity, Buffer::Allocate(static_cast<size_t>(length) * (width / 8))},
        std::vector<ArrayPtr>{}, length);
  }
  size_t ow = type->is_large_offsets() ? 8 : 4;
  switch (type->id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return std::make_shared<const Array>(
          type, length,
          std::vector<BufferPtr>{validity, Buffer::Allocate(static_cast<size_t>(length + 1) * ow),
                                 Buffer::Allocate(0)},
          std::vector<ArrayPtr>{}, length);
    case TypeId::kList:
    case TypeId::kLargeList:
      return std::make_shared<const Array>(
          type, length,
          std::vector<BufferPtr>{validity, Buffer::Allocate(static_cast<size_t>(length + 1) * ow)},
          std::vector<ArrayPtr>{MakeNullArray(type->value_type(), 0)}, length);
    case TypeId::kFixedSizeList:
      return std::make_shared<const Array>(
          type, length, std::vector<BufferPtr>{validity},
          std::vector<ArrayPtr>{MakeNullArray(type->value_type(), length * type->list_size())}, length);
    case TypeId::kStruct: {
      std::vector<ArrayPtr> children;
      for (const auto& f : type->children()) children.push_back(MakeNullArray(f.type, length));
      return std::make_shared<const Array>(type, length, std::vector<BufferPtr>{validity},
                                           std::move(children), length);
    }
    default:
      return nullptr;
  }
}

// ---------------------------------------------------------------------------
// RecordBatch

RecordBatch::RecordBatch(SchemaPtr schema, int64_t num_rows, std::vector<ArrayPtr> columns)
    : schema_(std::move(schema)), num_rows_(num_rows), columns_(std::move(columns)) {}

Result<BatchPtr> RecordBatch::Make(SchemaPtr schema, std::vector<ArrayPtr> columns) {
  if (!schema) return Status::InvalidArgument("record batch needs a schema");
  if (static_cast<int>(columns.size()) != schema->num_fields()) {
    return Status::InvalidArgument("record batch has " + std::to_string(columns.size()) +
                                   " columns, schema has " + std::to_string(schema->num_fields()));
  }
  int64_t rows = columns.empty() ? 0 : (columns[0] ? columns[0]->length() : 0);
  for (int i = 0; i < schema->num_fields(); ++i) {
    const Field& f = schema->field(i);
    if (!columns[i]) return Status::InvalidArgument("column \"" + f.name + "\" is null");
    if (!columns[i]->type()->Equals(*f.type)) {
      return Status::InvalidArgument("column \"" + f.name + "\" has type " + columns[i]->type()->ToString() +
                                     ", schema expects " + f.type->ToString());
    }
    if (columns[i]->length() != rows) {
      return Status::InvalidArgument("column \"" + f.name + "\" has " + std::to_string(columns[i]->length()) +
                                     " rows, column \"" + schema->field(0).name + "\" has " +
                                     std::to_string(rows));
    }
  }
  return std::make_shared<const RecordBatch>(std::move(schema), rows, std::move(columns));
}

ArrayPtr RecordBatch::GetColumn(std::string_view name) const {
  int i = schema_->FieldIndex(name);
  return i < 0 ? nullptr : columns_[i];
}

BatchPtr RecordBatch::Slice(int64_t offset, int64_t length) const {
  offset = std::clamp<int64_t>(offset, 0, num_rows_);
  length = std::clamp<int64_t>(length, 0, num_rows_ - offset);
  std::vector<ArrayPtr> cols;
  cols.reserve(columns_.size());
  for (const auto& c : columns_) cols.push_back(c->Slice(offset, length));
  return std::make_shared<const RecordBatch>(schema_, length, std::move(cols));
}

Result<BatchPtr> RecordBatch::Project(const std::vector<std::string>& names) const {
  QUIVER_ASSIGN_OR_RETURN(SchemaPtr schema, schema_->Project(names));
  std::vector<ArrayPtr> cols;
  cols.reserve(names.size());
  for (const auto& name : names) cols.push_back(columns_[schema_->FieldIndex(name)]);
  return std::make_shared<const RecordBatch>(std::move(schema), num_rows_, std::move(cols));
}

Status RecordBatch::Validate() const {
  if (!schema_) return Status::InvalidArgument("record batch has no schema");
  if (num_rows_ < 0) return Status::InvalidArgument("record batch has negative row count");
  if (static_cast<int>(columns_.size()) != schema_->num_fields()) {
    return Status::InvalidArgument("record batch has " + std::to_string(columns_.size()) +
                                   " columns, schema has " + std::to_string(schema_->num_fields()));
  }
  for (int i = 0; i < num_columns(); ++i) {
    const Field& f = schema_->field(i);
    const ArrayPtr& c = columns_[i];
    if (!c) return Status::InvalidArgument("column \"" + f.name + "\" is null");
    if (!c->type() || !c->type()->Equals(*f.type)) {
      return Status::InvalidArgument("column \"" + f.name + "\" has type " +
                                     (c->type() ? c->type()->ToString() : std::string("<none>")) +
                                     ", schema expects " + f.type->ToString());
    }
    if (c->length() != num_rows_) {
      return Status::InvalidArgument("column \"" + f.name + "\" has " + std::to_string(c->length()) +
                                     " rows, batch has " + std::to_string(num_rows_));
    }
    QUIVER_RETURN_NOT_OK(c->Validate().WithContext("column \"" + f.name + "\""));
  }
  return Status::OK();
}

Status RecordBatch::CheckNulls(const Schema& table_schema) const {
  for (int i = 0; i < num_columns(); ++i) {
    const std::string& name = schema_->field(i).name;
    int t = table_schema.FieldIndex(name);
    if (t < 0 || table_schema.field(t).nullable) continue;
    const Array& c = *columns_[i];
    int64_t nulls = c.null_count();
    if (nulls == 0) continue;
    int64_t first = 0;
    while (first < c.length() && c.IsValid(first)) ++first;
    return Status::InvalidArgument("column \"" + name + "\" is not nullable but the data has " +
                                   std::to_string(nulls) + " null" + (nulls == 1 ? "" : "s") +
                                   " (first at row " + std::to_string(first) + ")");
  }
  return Status::OK();
}

bool RecordBatch::Equals(const RecordBatch& other) const {
  if (num_rows_ != other.num_rows_ || !schema_->Equals(*other.schema_)) return false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (!columns_[i]->Equals(*other.columns_[i])) return false;
  }
  return true;
}

Result<BatchPtr> ConcatenateBatches(const std::vector<BatchPtr>& batches) {
  if (batches.empty()) return Status::InvalidArgument("ConcatenateBatches needs at least one batch");
  const SchemaPtr& schema = batches[0]->schema();
  for (size_t b = 1; b < batches.size(); ++b) {
    if (!batches[b]->schema()->Equals(*schema)) {
      return Status::InvalidArgument("cannot concatenate batches with different schemas: batch 0 has\n" +
                                     schema->ToString() + "\nbatch " + std::to_string(b) + " has\n" +
                                     batches[b]->schema()->ToString());
    }
  }
  if (batches.size() == 1) return batches[0];
  std::vector<ArrayPtr> columns;
  int64_t rows = 0;
  for (const auto& b : batches) rows += b->num_rows();
  for (int c = 0; c < schema->num_fields(); ++c) {
    std::vector<ArrayPtr> parts;
    parts.reserve(batches.size());
    for (const auto& b : batches) parts.push_back(b->column(c));
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr col, Concatenate(parts));
    columns.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(schema, rows, std::move(columns));
}

}  // namespace quiver
