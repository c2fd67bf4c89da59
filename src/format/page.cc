#include "format/page.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "common/coding.h"
#include "format/bitpack.h"
#include "format/decimal.h"

namespace quiver {

namespace {

// A growable byte region backed by a 64-byte aligned Buffer, so finished
// buffers need no copy and typed access is aligned.
class ByteBuilder {
 public:
  size_t size() const { return size_; }
  uint8_t* data() { return buf_ ? buf_->mutable_data() : nullptr; }
  const uint8_t* data() const { return buf_ ? buf_->data() : nullptr; }

  void Reserve(size_t capacity) {
    if (capacity <= capacity_) return;
    auto grown = Buffer::AllocateUninitialized(capacity);
    if (size_ > 0) std::memcpy(grown->mutable_data(), buf_->data(), size_);
    buf_ = std::move(grown);
    capacity_ = capacity;
  }
  // Returns room for `n` more bytes (contents unspecified).
  uint8_t* Extend(size_t n) {
    if (size_ + n > capacity_) Reserve(std::max({size_ + n, capacity_ * 2, size_t{64}}));
    uint8_t* p = data() + size_;
    size_ += n;
    return p;
  }
  void Append(const void* p, size_t n) {
    if (n > 0) std::memcpy(Extend(n), p, n);
  }
  // The bytes so far as a buffer; the builder starts over with no memory.
  BufferPtr Finish() {
    BufferPtr out = buf_ ? Buffer::Slice(std::move(buf_), 0, size_) : Buffer::Allocate(0);
    buf_.reset();
    size_ = capacity_ = 0;
    return out;
  }
  // Starts over, keeping the memory.
  void Clear() { size_ = 0; }
  // The bytes so far as a buffer, without a copy; the builder starts over
  // with fresh memory of the same capacity (so that filling it again does
  // not grow it step by step).
  BufferPtr TakeAndRenew() {
    const size_t capacity = capacity_;
    BufferPtr out = Finish();
    Reserve(capacity);
    return out;
  }

 private:
  BufferPtr buf_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// A bitmap under construction; bits past length() are always zero.
class BitBuilder {
 public:
  int64_t length() const { return length_; }
  size_t byte_size() const { return bytes_.size(); }
  const uint8_t* data() const { return bytes_.data(); }

  // Appends bits [src_offset, src_offset + n) of `src`.
  void AppendBits(const uint8_t* src, int64_t src_offset, int64_t n) {
    if (n <= 0) return;
    uint8_t* out = Grow(n);
    int64_t dst = length_;
    while (n > 0 && (dst & 7) != 0) {
      if (GetBit(src, src_offset)) SetBit(out, dst);
      ++src_offset, ++dst, --n;
    }
    const int64_t whole = n / 8;
    uint8_t* o = out + dst / 8;
    const uint8_t* s = src + src_offset / 8;
    const int shift = static_cast<int>(src_offset & 7);
    if (shift == 0) {
      std::memcpy(o, s, static_cast<size_t>(whole));
    } else {
      // Byte j + 1 of `s` is still inside the source range for j < whole.
      for (int64_t j = 0; j < whole; ++j) {
        o[j] = static_cast<uint8_t>((s[j] >> shift) | (s[j + 1] << (8 - shift)));
      }
    }
    dst += whole * 8, src_offset += whole * 8, n -= whole * 8;
    for (; n > 0; ++src_offset, ++dst, --n) {
      if (GetBit(src, src_offset)) SetBit(out, dst);
    }
    length_ = dst;
  }
  void AppendOnes(int64_t n) {
    if (n <= 0) return;
    uint8_t* out = Grow(n);
    int64_t dst = length_;
    for (; n > 0 && (dst & 7) != 0; ++dst, --n) SetBit(out, dst);
    std::memset(out + dst / 8, 0xFF, static_cast<size_t>(n / 8));
    dst += n / 8 * 8;
    for (n %= 8; n > 0; ++dst, --n) SetBit(out, dst);
    length_ = dst;
  }
  void Reserve(int64_t bits) { bytes_.Reserve(static_cast<size_t>((bits + 7) / 8)); }
  BufferPtr Finish() {
    length_ = 0;
    return bytes_.Finish();
  }
  void Clear() {
    bytes_.Clear();
    length_ = 0;
  }

 private:
  // Makes room for `n` more bits, zeroing the new bytes; returns the bitmap.
  uint8_t* Grow(int64_t n) {
    const size_t need = static_cast<size_t>((length_ + n + 7) / 8);
    const size_t have = bytes_.size();
    if (need > have) std::memset(bytes_.Extend(need - have), 0, need - have);
    return bytes_.data();
  }
  ByteBuilder bytes_;
  int64_t length_ = 0;
};

int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = offset;
  const int64_t end = offset + length;
  while (i < end && (i & 7) != 0) count += GetBit(bits, i++);
  for (; i + 64 <= end; i += 64) {
    uint64_t word;
    std::memcpy(&word, bits + (i >> 3), sizeof(word));
    count += std::popcount(word);
  }
  for (; i + 8 <= end; i += 8) count += std::popcount(static_cast<unsigned>(bits[i >> 3]));
  while (i < end) count += GetBit(bits, i++);
  return count;
}

// Nulls among rows [offset, offset + length) of `a` (not of the null type).
int64_t RangeNulls(const Array& a, int64_t offset, int64_t length) {
  const BufferPtr& validity = a.buffer(0);
  if (!validity || length == 0 || a.null_count() == 0) return 0;
  if (offset == 0 && length == a.length()) return a.null_count();
  return length - CountSetBits(validity->data(), a.offset() + offset, length);
}

template <typename T>
const T* OffsetsOf(const Array& a) {
  return a.buffer(1)->data_as<T>() + a.offset();
}

int64_t OffsetAt(const Array& a, int width, int64_t i) {
  return width == 8 ? OffsetsOf<int64_t>(a)[i] : OffsetsOf<int32_t>(a)[i];
}

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

bool CheckedMul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }

}  // namespace

// ---------------------------------------------------------------------------
// ColumnLayout

ColumnLayout::ColumnLayout(TypePtr type) {
  Add(type);
  // A chain of fixed-size lists ending in a fixed-width, non-bool type.
  fixed_width_ = true;
  for (const PageNode& n : nodes_) {
    if (n.kind != PageNode::Kind::kFixedList && n.kind != PageNode::Kind::kFixed) fixed_width_ = false;
  }
}

int ColumnLayout::Add(const TypePtr& type) {
  const int index = static_cast<int>(nodes_.size());
  nodes_.emplace_back();
  PageNode node;
  node.type = type;
  node.first_slot = num_slots_;
  const DataType& t = *type;
  if (t.id() == TypeId::kNull) {
    node.kind = PageNode::Kind::kNull;
  } else if (t.id() == TypeId::kBool) {
    node.kind = PageNode::Kind::kBool;
    node.num_slots = 2;
  } else if (t.bit_width() >= 8) {
    node.kind = PageNode::Kind::kFixed;
    node.width = t.bit_width() / 8;
    node.num_slots = 2;
  } else if (t.is_string_like()) {
    node.kind = PageNode::Kind::kBinary;
    node.width = t.is_large_offsets() ? 8 : 4;
    node.num_slots = 3;
  } else if (t.id() == TypeId::kList || t.id() == TypeId::kLargeList) {
    node.kind = PageNode::Kind::kList;
    node.width = t.is_large_offsets() ? 8 : 4;
    node.num_slots = 2;
  } else if (t.id() == TypeId::kFixedSizeList) {
    node.kind = PageNode::Kind::kFixedList;
    node.list_size = t.list_size();
    node.num_slots = 1;
  } else {
    node.kind = PageNode::Kind::kStruct;
    node.num_slots = 1;
  }
  num_slots_ += node.num_slots;
  for (const Field& child : t.children()) node.children.push_back(Add(child.type));
  nodes_[index] = std::move(node);
  return index;
}

// ---------------------------------------------------------------------------
// EstimatePageBytes

namespace {

uint64_t EstimateNode(const ColumnLayout& layout, int node_index, const Array& a, int64_t offset,
                      int64_t length) {
  if (length <= 0) return 0;
  const PageNode& node = layout.nodes()[node_index];
  if (node.kind == PageNode::Kind::kNull) return 0;
  const uint64_t n = static_cast<uint64_t>(length);
  uint64_t bytes = a.buffer(0) ? (n + 7) / 8 : 0;
  switch (node.kind) {
    case PageNode::Kind::kBool:
      return bytes + (n + 7) / 8;
    case PageNode::Kind::kFixed:
      return bytes + n * node.width;
    case PageNode::Kind::kBinary:
      return bytes + n * node.width +
             static_cast<uint64_t>(OffsetAt(a, node.width, offset + length) -
                                   OffsetAt(a, node.width, offset));
    case PageNode::Kind::kList: {
      const int64_t begin = OffsetAt(a, node.width, offset);
      const int64_t end = OffsetAt(a, node.width, offset + length);
      return bytes + n * node.width + EstimateNode(layout, node.children[0], *a.child(0), begin, end - begin);
    }
    case PageNode::Kind::kFixedList:
      return bytes + EstimateNode(layout, node.children[0], *a.child(0),
                                  (a.offset() + offset) * node.list_size, length * node.list_size);
    case PageNode::Kind::kStruct:
      for (size_t i = 0; i < node.children.size(); ++i) {
        bytes += EstimateNode(layout, node.children[i], *a.child(static_cast<int>(i)), a.offset() + offset,
                              length);
      }
      return bytes;
    case PageNode::Kind::kNull:
      break;
  }
  return bytes;
}

}  // namespace

uint64_t EstimatePageBytes(const ColumnLayout& layout, const Array& array, int64_t offset, int64_t length) {
  return EstimateNode(layout, 0, array, offset, length);
}

// ---------------------------------------------------------------------------
// ArrayAppender

struct ArrayAppender::NodeState {
  int64_t length = 0;
  int64_t null_count = 0;
  bool has_validity = false;
  BitBuilder validity;
  BitBuilder bits;     // kBool values
  ByteBuilder values;  // kFixed values, or kBinary / kList offsets
  ByteBuilder data;    // kBinary data
  void Reset(const PageNode& node, bool keep_memory) {
    length = null_count = 0;
    has_validity = false;
    if (keep_memory) {
      validity.Clear();
      bits.Clear();
      values.Clear();
      data.Clear();
    } else {
      validity = BitBuilder();
      bits = BitBuilder();
      values = ByteBuilder();
      data = ByteBuilder();
    }
    if (node.kind == PageNode::Kind::kBinary || node.kind == PageNode::Kind::kList) {
      std::memset(values.Extend(node.width), 0, node.width);  // the leading 0 offset
    }
  }
};

ArrayAppender::ArrayAppender(const ColumnLayout& layout) : layout_(layout), states_(layout.nodes().size()) {
  for (size_t i = 0; i < states_.size(); ++i) states_[i].Reset(layout_.nodes()[i], false);
}

ArrayAppender::~ArrayAppender() = default;

int64_t ArrayAppender::length() const { return states_[0].length; }

uint64_t ArrayAppender::logical_size() const {
  uint64_t total = 0;
  for (const NodeState& s : states_) {
    if (s.has_validity) total += Pad8(s.validity.byte_size());
    total += Pad8(s.bits.byte_size()) + Pad8(s.values.size()) + Pad8(s.data.size());
  }
  return total;
}

Status ArrayAppender::Append(const Array& array, int64_t offset, int64_t length) {
  if (length <= 0) return Status::OK();
  return AppendNode(0, array, offset, length);
}

Status ArrayAppender::AppendNode(int node_index, const Array& a, int64_t offset, int64_t length) {
  const PageNode& node = layout_.nodes()[node_index];
  NodeState& s = states_[node_index];
  if (node.kind == PageNode::Kind::kNull) {
    s.length += length;
    s.null_count += length;
    return Status::OK();
  }
  if (length <= 0) return Status::OK();
  const int64_t nulls = RangeNulls(a, offset, length);
  if (nulls > 0) {
    if (!s.has_validity) {
      s.validity.AppendOnes(s.length);
      s.has_validity = true;
    }
    s.validity.AppendBits(a.buffer(0)->data(), a.offset() + offset, length);
  } else if (s.has_validity) {
    s.validity.AppendOnes(length);
  }
  s.null_count += nulls;
  s.length += length;

  switch (node.kind) {
    case PageNode::Kind::kBool:
      s.bits.AppendBits(a.buffer(1)->data(), a.offset() + offset, length);
      return Status::OK();
    case PageNode::Kind::kFixed:
      s.values.Append(a.buffer(1)->data() + (a.offset() + offset) * node.width,
                      static_cast<size_t>(length) * node.width);
      return Status::OK();
    case PageNode::Kind::kBinary:
    case PageNode::Kind::kList: {
      const int64_t begin = OffsetAt(a, node.width, offset);
      const int64_t end = OffsetAt(a, node.width, offset + length);
      // The new offsets continue from the last one written.
      int64_t base;
      if (node.width == 8) {
        base = reinterpret_cast<const int64_t*>(s.values.data() + s.values.size())[-1];
        const int64_t* src = OffsetsOf<int64_t>(a) + offset;
        auto* dst = reinterpret_cast<int64_t*>(s.values.Extend(length * 8));
        for (int64_t i = 0; i < length; ++i) dst[i] = base + (src[i + 1] - begin);
      } else {
        base = reinterpret_cast<const int32_t*>(s.values.data() + s.values.size())[-1];
        if (base + (end - begin) > std::numeric_limits<int32_t>::max()) {
          return Invalid("column of type " + node.type->ToString() +
                         " would exceed 2 GiB of 32-bit offsets; use a large type or fewer rows");
        }
        const int32_t* src = OffsetsOf<int32_t>(a) + offset;
        auto* dst = reinterpret_cast<int32_t*>(s.values.Extend(length * 4));
        const int32_t delta = static_cast<int32_t>(base - begin);
        for (int64_t i = 0; i < length; ++i) dst[i] = src[i + 1] + delta;
      }
      if (node.kind == PageNode::Kind::kBinary) {
        s.data.Append(a.buffer(2)->data() + begin, static_cast<size_t>(end - begin));
        return Status::OK();
      }
      return AppendNode(node.children[0], *a.child(0), begin, end - begin);
    }
    case PageNode::Kind::kFixedList:
      return AppendNode(node.children[0], *a.child(0), (a.offset() + offset) * node.list_size,
                        length * node.list_size);
    case PageNode::Kind::kStruct:
      for (size_t i = 0; i < node.children.size(); ++i) {
        QUIVER_RETURN_NOT_OK(
            AppendNode(node.children[i], *a.child(static_cast<int>(i)), a.offset() + offset, length));
      }
      return Status::OK();
    case PageNode::Kind::kNull:
      break;
  }
  return Status::OK();
}

void ArrayAppender::Reserve(int64_t rows) { ReserveNode(0, rows); }

void ArrayAppender::ReserveNode(int node_index, int64_t rows) {
  const PageNode& node = layout_.nodes()[node_index];
  NodeState& s = states_[node_index];
  switch (node.kind) {
    case PageNode::Kind::kFixed:
      s.values.Reserve(s.values.size() + static_cast<size_t>(rows) * node.width);
      break;
    case PageNode::Kind::kBool:
      s.bits.Reserve(s.bits.length() + rows);
      break;
    case PageNode::Kind::kBinary:
    case PageNode::Kind::kList:
      s.values.Reserve(s.values.size() + static_cast<size_t>(rows) * node.width);
      break;
    case PageNode::Kind::kFixedList:
      ReserveNode(node.children[0], rows * node.list_size);
      break;
    case PageNode::Kind::kStruct:
      for (int c : node.children) ReserveNode(c, rows);
      break;
    case PageNode::Kind::kNull:
      break;
  }
}

BufferPtr ArrayAppender::EncodePage(std::vector<uint64_t>* buffer_sizes) {
  // The page's buffers in order, and the builder holding each when it is a
  // byte builder (whose memory can become the page).
  struct Part {
    const uint8_t* data;
    size_t size;
    ByteBuilder* owner;
  };
  std::vector<Part> parts;
  for (size_t i = 0; i < states_.size(); ++i) {
    const PageNode& node = layout_.nodes()[i];
    NodeState& s = states_[i];
    if (node.kind == PageNode::Kind::kNull) continue;
    if (s.has_validity) {
      parts.push_back({s.validity.data(), s.validity.byte_size(), nullptr});
    } else {
      parts.push_back({nullptr, 0, nullptr});
    }
    switch (node.kind) {
      case PageNode::Kind::kBool:
        parts.push_back({s.bits.data(), s.bits.byte_size(), nullptr});
        break;
      case PageNode::Kind::kFixed:
      case PageNode::Kind::kList:
        parts.push_back({s.values.data(), s.values.size(), &s.values});
        break;
      case PageNode::Kind::kBinary:
        parts.push_back({s.values.data(), s.values.size(), &s.values});
        parts.push_back({s.data.data(), s.data.size(), &s.data});
        break;
      default:
        break;
    }
  }
  buffer_sizes->clear();
  uint64_t total = 0;
  const Part* only = nullptr;
  int non_empty = 0;
  for (const Part& part : parts) {
    buffer_sizes->push_back(part.size);
    total += Pad8(part.size);
    if (part.size > 0) {
      ++non_empty;
      only = &part;
    }
  }
  BufferPtr page;
  if (non_empty == 1 && only->owner != nullptr) {
    // One buffer (a column of numbers or vectors without nulls): it is the
    // page, padded in place.
    const size_t pad = Pad8(only->size) - only->size;
    if (pad > 0) std::memset(only->owner->Extend(pad), 0, pad);
    page = only->owner->TakeAndRenew();
  } else {
    auto out = Buffer::AllocateUninitialized(static_cast<size_t>(total));
    uint8_t* dst = out->mutable_data();
    for (const Part& part : parts) {
      if (part.size > 0) std::memcpy(dst, part.data, part.size);
      std::memset(dst + part.size, 0, Pad8(part.size) - part.size);
      dst += Pad8(part.size);
    }
    page = std::move(out);
  }
  for (size_t i = 0; i < states_.size(); ++i) states_[i].Reset(layout_.nodes()[i], true);
  return page;
}

ArrayPtr ArrayAppender::Finish() { return FinishNode(0); }

ArrayPtr ArrayAppender::FinishNode(int node_index) {
  const PageNode& node = layout_.nodes()[node_index];
  NodeState& s = states_[node_index];
  const int64_t length = s.length;
  ArrayPtr out;
  if (node.kind == PageNode::Kind::kNull) {
    out = std::make_shared<const Array>(node.type, length, std::vector<BufferPtr>{}, std::vector<ArrayPtr>{},
                                        length);
  } else {
    std::vector<BufferPtr> buffers;
    buffers.push_back(s.has_validity ? s.validity.Finish() : nullptr);
    std::vector<ArrayPtr> children;
    switch (node.kind) {
      case PageNode::Kind::kBool:
        buffers.push_back(s.bits.Finish());
        break;
      case PageNode::Kind::kFixed:
        buffers.push_back(s.values.Finish());
        break;
      case PageNode::Kind::kBinary:
        buffers.push_back(s.values.Finish());
        buffers.push_back(s.data.Finish());
        break;
      case PageNode::Kind::kList:
        buffers.push_back(s.values.Finish());
        children.push_back(FinishNode(node.children[0]));
        break;
      default:
        for (int c : node.children) children.push_back(FinishNode(c));
        break;
    }
    out = std::make_shared<const Array>(node.type, length, std::move(buffers), std::move(children),
                                        s.has_validity ? s.null_count : 0);
  }
  s.Reset(node, false);
  return out;
}

// ---------------------------------------------------------------------------
// DecodePage

namespace {

class PageDecoder {
 public:
  PageDecoder(const ColumnLayout& layout, std::span<const uint64_t> sizes, BufferPtr page)
      : layout_(layout), sizes_(sizes), page_(std::move(page)) {}

  Result<ArrayPtr> Decode(int node_index, int64_t length) {
    const PageNode& node = layout_.nodes()[node_index];
    const std::string where = node.type->ToString();
    if (node.kind == PageNode::Kind::kNull) {
      return std::make_shared<const Array>(node.type, length, std::vector<BufferPtr>{},
                                           std::vector<ArrayPtr>{}, length);
    }
    std::vector<BufferPtr> buffers;
    std::vector<ArrayPtr> children;
    QUIVER_ASSIGN_OR_RETURN(BufferPtr validity, Next());
    if (validity->size() != 0 && validity->size() != static_cast<uint64_t>((length + 7) / 8)) {
      return Invalid(where + " validity has " + std::to_string(validity->size()) + " bytes for " +
                     std::to_string(length) + " rows");
    }
    const bool has_validity = validity->size() != 0;
    buffers.push_back(has_validity ? validity : nullptr);
    switch (node.kind) {
      case PageNode::Kind::kBool:
      case PageNode::Kind::kFixed: {
        QUIVER_ASSIGN_OR_RETURN(BufferPtr values, Next());
        int64_t expected = (length + 7) / 8;
        if (node.kind == PageNode::Kind::kFixed && !CheckedMul(length, node.width, &expected)) {
          return Invalid(where + " values size overflows");
        }
        if (values->size() != static_cast<uint64_t>(expected)) {
          return Invalid(where + " values have " + std::to_string(values->size()) + " bytes for " +
                         std::to_string(length) + " rows");
        }
        buffers.push_back(std::move(values));
        break;
      }
      case PageNode::Kind::kBinary:
      case PageNode::Kind::kList: {
        QUIVER_ASSIGN_OR_RETURN(BufferPtr offsets, Next());
        if (offsets->size() != static_cast<uint64_t>(length + 1) * node.width) {
          return Invalid(where + " offsets have " + std::to_string(offsets->size()) + " bytes for " +
                         std::to_string(length) + " rows");
        }
        int64_t first, last;
        if (node.width == 8) {
          first = offsets->data_as<int64_t>()[0];
          last = offsets->data_as<int64_t>()[length];
        } else {
          first = offsets->data_as<int32_t>()[0];
          last = offsets->data_as<int32_t>()[length];
        }
        if (first != 0 || last < 0) {
          return Invalid(where + " offsets span [" + std::to_string(first) + ", " + std::to_string(last) +
                         "]");
        }
        buffers.push_back(std::move(offsets));
        if (node.kind == PageNode::Kind::kBinary) {
          QUIVER_ASSIGN_OR_RETURN(BufferPtr data, Next());
          if (data->size() != static_cast<uint64_t>(last)) {
            return Invalid(where + " data has " + std::to_string(data->size()) + " bytes, offsets end at " +
                           std::to_string(last));
          }
          buffers.push_back(std::move(data));
        } else {
          QUIVER_ASSIGN_OR_RETURN(ArrayPtr child, Decode(node.children[0], last));
          children.push_back(std::move(child));
        }
        break;
      }
      case PageNode::Kind::kFixedList: {
        int64_t child_length;
        if (!CheckedMul(length, node.list_size, &child_length))
          return Invalid(where + " child length overflows");
        QUIVER_ASSIGN_OR_RETURN(ArrayPtr child, Decode(node.children[0], child_length));
        children.push_back(std::move(child));
        break;
      }
      case PageNode::Kind::kStruct:
        for (int c : node.children) {
          QUIVER_ASSIGN_OR_RETURN(ArrayPtr child, Decode(c, length));
          children.push_back(std::move(child));
        }
        break;
      case PageNode::Kind::kNull:
        break;
    }
    return std::make_shared<const Array>(node.type, length, std::move(buffers), std::move(children),
                                         has_validity ? -1 : 0);
  }

  Status Finish() const {
    if (slot_ != sizes_.size() || pos_ != page_->size()) {
      return Invalid("page buffers end at " + std::to_string(pos_) + " of " + std::to_string(page_->size()) +
                     " bytes");
    }
    return Status::OK();
  }

 private:
  Result<BufferPtr> Next() {
    if (slot_ >= sizes_.size()) return Invalid("page has fewer buffers than its type needs");
    const uint64_t size = sizes_[slot_++];
    if (size > page_->size() || pos_ > page_->size() - size) {
      return Invalid("buffer " + std::to_string(slot_ - 1) + " of " + std::to_string(size) +
                     " bytes runs past the page (" + std::to_string(page_->size()) + " bytes)");
    }
    BufferPtr out = Buffer::Slice(page_, pos_, size);
    pos_ = std::min<uint64_t>(page_->size(), pos_ + Pad8(size));
    return out;
  }

  const ColumnLayout& layout_;
  std::span<const uint64_t> sizes_;
  BufferPtr page_;
  size_t slot_ = 0;
  uint64_t pos_ = 0;
};

}  // namespace

Result<ArrayPtr> DecodePage(const ColumnLayout& layout, int64_t num_rows,
                            std::span<const uint64_t> buffer_sizes, BufferPtr page) {
  if (static_cast<int>(buffer_sizes.size()) != layout.num_slots()) {
    return Invalid("page has " + std::to_string(buffer_sizes.size()) + " buffers, type " +
                   layout.type()->ToString() + " needs " + std::to_string(layout.num_slots()));
  }
  if (num_rows < 0) return Invalid("negative row count");
  if (reinterpret_cast<uintptr_t>(page->data()) % 8 != 0) page = Buffer::Copy(page->data(), page->size());
  PageDecoder decoder(layout, buffer_sizes, std::move(page));
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr array, decoder.Decode(0, num_rows));
  QUIVER_RETURN_NOT_OK(decoder.Finish());
  QUIVER_RETURN_NOT_OK(array->Validate());
  return array;
}

// ---------------------------------------------------------------------------
// Blocked storage

uint64_t BlockedSize(uint64_t logical_size) {
  return logical_size + (logical_size + kBlockSize - 1) / kBlockSize * kBlockChecksumSize;
}

uint32_t BlockChecksum(const uint8_t* data, size_t size, uint64_t block_index) {
  return static_cast<uint32_t>(XXH3_64bits_withSeed(data, size, block_index));
}

void AppendBlocked(const uint8_t* data, size_t size, std::string* out) {
  out->reserve(out->size() + BlockedSize(size));
  for (uint64_t block = 0, pos = 0; pos < size; ++block, pos += kBlockSize) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlockSize, size - pos));
    out->append(reinterpret_cast<const char*>(data + pos), n);
    PutFixed32(out, BlockChecksum(data + pos, n, block));
  }
}

bool Unblock(const uint8_t* stored, size_t stored_size, uint8_t* out, size_t logical_size) {
  if (BlockedSize(logical_size) != stored_size) return false;
  for (uint64_t pos = 0; pos < logical_size; pos += kBlockSize) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlockSize, logical_size - pos));
    std::memcpy(out + pos, stored, n);
    stored += n + kBlockChecksumSize;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Fixed-width pages

Result<FixedWidthLayout> MakeFixedWidthLayout(const ColumnLayout& layout, int64_t num_rows,
                                              std::span<const uint64_t> buffer_sizes) {
  if (!layout.fixed_width()) return Invalid(layout.type()->ToString() + " is not fixed-width");
  if (static_cast<int>(buffer_sizes.size()) != layout.num_slots()) {
    return Invalid("page has " + std::to_string(buffer_sizes.size()) + " buffers, type " +
                   layout.type()->ToString() + " needs " + std::to_string(layout.num_slots()));
  }
  FixedWidthLayout fw;
  int64_t per_row = 1;
  uint64_t pos = 0;
  size_t slot = 0;
  for (const PageNode& node : layout.nodes()) {
    int64_t elements;
    if (!CheckedMul(num_rows, per_row, &elements)) return Invalid("page element count overflows");
    const uint64_t validity = buffer_sizes[slot++];
    if (validity != 0 && validity != static_cast<uint64_t>((elements + 7) / 8)) {
      return Invalid("validity of " + std::to_string(validity) + " bytes for " + std::to_string(elements) +
                     " values");
    }
    fw.validity_offset.push_back(validity != 0 ? static_cast<int64_t>(pos) : -1);
    fw.values_per_row.push_back(per_row);
    pos += Pad8(validity);
    if (node.kind == PageNode::Kind::kFixed) {
      int64_t bytes;
      if (!CheckedMul(elements, node.width, &bytes) || buffer_sizes[slot] != static_cast<uint64_t>(bytes)) {
        return Invalid("values of " + std::to_string(buffer_sizes[slot]) + " bytes for " +
                       std::to_string(elements) + " values of " + std::to_string(node.width) + " bytes");
      }
      fw.values_offset = static_cast<int64_t>(pos);
      fw.width = node.width;
      break;
    }
    if (!CheckedMul(per_row, node.list_size, &per_row)) return Invalid("list size overflows");
  }
  return fw;
}

void FixedWidthRanges(const FixedWidthLayout& fw, std::span<const int64_t> rows,
                      std::vector<std::pair<uint64_t, uint64_t>>* ranges) {
  const size_t levels = fw.values_per_row.size();
  const uint64_t leaf_bytes = static_cast<uint64_t>(fw.values_per_row.back()) * fw.width;
  for (int64_t row : rows) {
    for (size_t k = 0; k < levels; ++k) {
      if (fw.validity_offset[k] < 0) continue;
      const uint64_t first_bit = static_cast<uint64_t>(row * fw.values_per_row[k]);
      const uint64_t end_bit = first_bit + fw.values_per_row[k];
      ranges->emplace_back(fw.validity_offset[k] + first_bit / 8, fw.validity_offset[k] + (end_bit + 7) / 8);
    }
    const uint64_t begin = fw.values_offset + row * leaf_bytes;
    ranges->emplace_back(begin, begin + leaf_bytes);
  }
  std::sort(ranges->begin(), ranges->end());
}

namespace {

Result<ArrayPtr> GatherFixedWidth(const ColumnLayout& layout, const FixedWidthLayout& fw,
                                  std::span<const int64_t> rows, const LogicalReader& read) {
  const size_t levels = fw.values_per_row.size();
  const int64_t n = static_cast<int64_t>(rows.size());
  std::vector<BufferPtr> validity(levels);
  std::vector<uint8_t> scratch;
  for (size_t k = 0; k < levels; ++k) {
    if (fw.validity_offset[k] < 0) continue;
    const int64_t per_row = fw.values_per_row[k];
    BitBuilder bits;
    bits.Reserve(n * per_row);
    for (int64_t row : rows) {
      const int64_t first_bit = row * per_row;
      const uint64_t begin = first_bit / 8, end = (first_bit + per_row + 7) / 8;
      scratch.resize(end - begin);
      QUIVER_RETURN_NOT_OK(read(fw.validity_offset[k] + begin, end - begin, scratch.data()));
      bits.AppendBits(scratch.data(), first_bit % 8, per_row);
    }
    validity[k] = bits.Finish();
  }
  const uint64_t leaf_bytes = static_cast<uint64_t>(fw.values_per_row.back()) * fw.width;
  auto values = Buffer::AllocateUninitialized(static_cast<size_t>(n * leaf_bytes));
  for (int64_t i = 0; i < n; ++i) {
    QUIVER_RETURN_NOT_OK(
        read(fw.values_offset + rows[i] * leaf_bytes, leaf_bytes, values->mutable_data() + i * leaf_bytes));
  }
  // Build bottom-up: the leaf, then each fixed-size list around it.
  ArrayPtr array;
  for (size_t k = levels; k-- > 0;) {
    const PageNode& node = layout.nodes()[k];
    const int64_t length = n * fw.values_per_row[k];
    const int64_t nulls = validity[k] ? -1 : 0;
    if (k == levels - 1) {
      array = std::make_shared<const Array>(node.type, length, std::vector<BufferPtr>{validity[k], values},
                                            std::vector<ArrayPtr>{}, nulls);
    } else {
      array = std::make_shared<const Array>(node.type, length, std::vector<BufferPtr>{validity[k]},
                                            std::vector<ArrayPtr>{array}, nulls);
    }
  }
  return array;
}

// Rows of a utf8/binary page: validity bits, two offsets and the value's
// bytes per row.
Result<ArrayPtr> GatherBinary(const PageNode& node, int64_t num_rows, std::span<const uint64_t> sizes,
                              std::span<const int64_t> rows, const LogicalReader& read) {
  const int w = node.width;
  if (sizes[0] != 0 && sizes[0] != static_cast<uint64_t>((num_rows + 7) / 8)) {
    return Invalid("validity of " + std::to_string(sizes[0]) + " bytes for " + std::to_string(num_rows) +
                   " rows");
  }
  if (sizes[1] != static_cast<uint64_t>(num_rows + 1) * w) {
    return Invalid("offsets of " + std::to_string(sizes[1]) + " bytes for " + std::to_string(num_rows) +
                   " rows");
  }
  const uint64_t offsets_at = Pad8(sizes[0]);
  const uint64_t data_at = offsets_at + Pad8(sizes[1]);
  const uint64_t data_size = sizes[2];
  const bool has_validity = sizes[0] != 0;
  BitBuilder validity;
  ByteBuilder offsets, data;
  std::memset(offsets.Extend(w), 0, w);
  int64_t nulls = 0, end_offset = 0;
  for (int64_t row : rows) {
    bool valid = true;
    if (has_validity) {
      uint8_t byte;
      QUIVER_RETURN_NOT_OK(read(row / 8, 1, &byte));
      valid = (byte >> (row % 8)) & 1;
      validity.AppendBits(&byte, row % 8, 1);
      nulls += !valid;
    }
    int64_t range[2];
    if (w == 8) {
      QUIVER_RETURN_NOT_OK(read(offsets_at + row * 8, 16, reinterpret_cast<uint8_t*>(range)));
    } else {
      int32_t narrow[2];
      QUIVER_RETURN_NOT_OK(read(offsets_at + row * 4, 8, reinterpret_cast<uint8_t*>(narrow)));
      range[0] = narrow[0], range[1] = narrow[1];
    }
    if (range[0] < 0 || range[1] < range[0] || static_cast<uint64_t>(range[1]) > data_size) {
      return Invalid("row " + std::to_string(row) + " spans bytes [" + std::to_string(range[0]) + ", " +
                     std::to_string(range[1]) + ") of " + std::to_string(data_size));
    }
    const uint64_t length = static_cast<uint64_t>(range[1] - range[0]);
    if (w == 4 && end_offset + static_cast<int64_t>(length) > std::numeric_limits<int32_t>::max()) {
      return Invalid("rows exceed 2 GiB of 32-bit offsets");
    }
    if (length > 0) QUIVER_RETURN_NOT_OK(read(data_at + range[0], length, data.Extend(length)));
    end_offset += static_cast<int64_t>(length);
    if (w == 8) {
      std::memcpy(offsets.Extend(8), &end_offset, 8);
    } else {
      const auto narrow = static_cast<int32_t>(end_offset);
      std::memcpy(offsets.Extend(4), &narrow, 4);
    }
  }
  std::vector<BufferPtr> buffers = {has_validity ? validity.Finish() : nullptr, offsets.Finish(),
                                    data.Finish()};
  return std::make_shared<const Array>(node.type, static_cast<int64_t>(rows.size()), std::move(buffers),
                                       std::vector<ArrayPtr>{}, has_validity ? nulls : 0);
}

}  // namespace

bool SupportsRowReads(const ColumnLayout& layout) {
  return layout.fixed_width() ||
         (layout.nodes().size() == 1 && layout.nodes()[0].kind == PageNode::Kind::kBinary);
}

Result<ArrayPtr> TakeRows(const ColumnLayout& layout, int64_t num_rows,
                          std::span<const uint64_t> buffer_sizes, std::span<const int64_t> rows,
                          const LogicalReader& read) {
  if (static_cast<int>(buffer_sizes.size()) != layout.num_slots()) {
    return Invalid("page has " + std::to_string(buffer_sizes.size()) + " buffers, type " +
                   layout.type()->ToString() + " needs " + std::to_string(layout.num_slots()));
  }
  for (int64_t row : rows) {
    if (row < 0 || row >= num_rows) return Invalid("row " + std::to_string(row) + " outside the page");
  }
  if (layout.fixed_width()) {
    QUIVER_ASSIGN_OR_RETURN(FixedWidthLayout fw, MakeFixedWidthLayout(layout, num_rows, buffer_sizes));
    return GatherFixedWidth(layout, fw, rows, read);
  }
  return GatherBinary(layout.nodes()[0], num_rows, buffer_sizes, rows, read);
}

// ---------------------------------------------------------------------------
// Chunked compression

Status CompressChunked(Compressor* compressor, Compression c, int param, const uint8_t* data, size_t size,
                       std::string* out, std::vector<uint64_t>* chunk_sizes) {
  if (c == Compression::kBitpack && !IsBitpackWidth(param)) {
    return Invalid("bitpack over words of " + std::to_string(param) + " bytes");
  }
  if (c == Compression::kDecimal && (param < 0 || param > kMaxDecimalExponent)) {
    return Invalid("decimal exponent " + std::to_string(param));
  }
  for (uint64_t pos = 0, chunk = 0; pos < size; pos += kChunkSize, ++chunk) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkSize, size - pos));
    const size_t at = out->size();
    out->resize(at + MaxCompressedSize(c, n));
    uint8_t* dst = reinterpret_cast<uint8_t*>(out->data() + at);
    size_t compressed = 0;
    if (c == Compression::kBitpack) {
      compressed = BitpackEncode(data + pos, n, param, dst);
    } else if (c == Compression::kDecimal) {
      compressed = DecimalEncode(data + pos, n, param, dst);
    } else {
      QUIVER_ASSIGN_OR_RETURN(
          compressed, compressor->Compress(c, param, data + pos, n, out->data() + at, out->size() - at));
    }
    out->resize(at + compressed);
    PutFixed32(out, BlockChecksum(reinterpret_cast<const uint8_t*>(out->data()) + at, compressed, chunk));
    chunk_sizes->push_back(compressed);
  }
  return Status::OK();
}

Result<ChunkedPage> ChunkedPage::Make(Compression c, std::span<const uint64_t> chunk_sizes,
                                      uint64_t logical_size, uint64_t stored_size) {
  if (chunk_sizes.size() != NumChunks(logical_size)) {
    return Invalid(std::to_string(chunk_sizes.size()) + " chunks for a page of " +
                   std::to_string(logical_size) + " bytes");
  }
  ChunkedPage page;
  page.compression_ = c;
  page.logical_size_ = logical_size;
  page.chunk_begin_.reserve(chunk_sizes.size() + 1);
  uint64_t pos = 0;
  for (uint64_t size : chunk_sizes) {
    page.chunk_begin_.push_back(pos);
    if (size > stored_size || stored_size - size < pos || stored_size - size - pos < kChunkChecksumSize) {
      return Invalid("chunks run past the page's " + std::to_string(stored_size) + " bytes");
    }
    pos += size + kChunkChecksumSize;
  }
  page.chunk_begin_.push_back(pos);
  if (pos != stored_size) {
    return Invalid("chunks fill " + std::to_string(pos) + " of the page's " + std::to_string(stored_size) +
                   " bytes");
  }
  page.stored_.resize(chunk_sizes.size());
  page.logical_.resize(chunk_sizes.size());
  page.state_.assign(chunk_sizes.size(), kAbsent);
  return page;
}

Status ChunkedPage::DecompressChunk(size_t i, const uint8_t* stored, uint8_t* out) const {
  const uint64_t logical = std::min<uint64_t>(kChunkSize, logical_size_ - i * kChunkSize);
  Status st =
      Decompress(compression_, stored, chunk_end(i) - chunk_begin(i) - kChunkChecksumSize, out, logical);
  return st.ok() ? st : st.WithContext("chunk " + std::to_string(i));
}

Status ChunkedPage::DecompressAll(const uint8_t* stored, uint8_t* out) const {
  for (size_t i = 0; i < num_chunks(); ++i) {
    QUIVER_RETURN_NOT_OK(DecompressChunk(i, stored + chunk_begin(i), out + i * kChunkSize));
  }
  return Status::OK();
}

Status ChunkedPage::AddChunk(size_t i, BufferPtr stored) {
  if (i >= num_chunks() || stored->size() != chunk_end(i) - chunk_begin(i)) {
    return Invalid("chunk " + std::to_string(i) + " of " + std::to_string(stored->size()) +
                   " bytes does not fit the page");
  }
  if (state_[i] >= kAdded) return Status::OK();
  const size_t n = stored->size() - kChunkChecksumSize;
  if (BlockChecksum(stored->data(), n, i) != DecodeFixed32(stored->data() + n)) {
    return Status::Corruption("checksum mismatch in chunk " + std::to_string(i));
  }
  stored_[i] = std::move(stored);
  state_[i] = kAdded;
  return Status::OK();
}

Status ChunkedPage::Read(uint64_t offset, uint64_t size, uint8_t* dst) {
  if (offset > logical_size_ || size > logical_size_ - offset) {
    return Invalid("read of [" + std::to_string(offset) + ", +" + std::to_string(size) + ") past the page");
  }
  while (size > 0) {
    const size_t i = static_cast<size_t>(offset / kChunkSize);
    const uint64_t within = offset % kChunkSize;
    const uint64_t n =
        std::min(size, std::min<uint64_t>(kChunkSize, logical_size_ - i * kChunkSize) - within);
    if (state_[i] == kAbsent && lookup_) {
      if (std::shared_ptr<const uint8_t[]> found = lookup_(i)) AddDecompressed(i, std::move(found));
    }
    if (state_[i] == kAdded) {
      std::shared_ptr<uint8_t[]> chunk = std::make_shared_for_overwrite<uint8_t[]>(kChunkSize);
      QUIVER_RETURN_NOT_OK(DecompressChunk(i, stored_[i]->data(), chunk.get()));
      logical_[i] = std::move(chunk);
      stored_[i].reset();
      state_[i] = kDecompressed;
    }
    if (state_[i] == kDecompressed) {
      std::memcpy(dst, logical_[i].get() + within, n);
    } else {
      state_[i] = kMissing;
      std::memset(dst, 0, n);
    }
    dst += n, offset += n, size -= n;
  }
  return Status::OK();
}

void ChunkedPage::AddDecompressed(size_t i, std::shared_ptr<const uint8_t[]> chunk) {
  logical_[i] = std::move(chunk);
  stored_[i].reset();
  state_[i] = kDecompressed;
}

std::vector<size_t> ChunkedPage::missing() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < state_.size(); ++i) {
    if (state_[i] == kMissing) out.push_back(i);
  }
  return out;
}

}  // namespace quiver
