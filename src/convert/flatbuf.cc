#include "convert/flatbuf.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace quiver::convert::flatbuf {

// ---------------------------------------------------------------------------
// Builder

Builder::Builder() : buf_(256), head_(buf_.size()) {}

void Builder::Reserve(size_t n) {
  if (head_ >= n) return;
  const size_t used = size();
  size_t capacity = buf_.size();
  while (capacity - used < n) capacity *= 2;
  std::vector<uint8_t> grown(capacity);
  std::memcpy(grown.data() + capacity - used, buf_.data() + head_, used);
  buf_.swap(grown);
  head_ = capacity - used;
}

void Builder::Push(const void* bytes, size_t n) {
  Reserve(n);
  head_ -= n;
  if (n > 0) std::memcpy(buf_.data() + head_, bytes, n);
}

void Builder::PushLittleEndian(uint64_t v, size_t n) {
  uint8_t bytes[8];
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(v >> (8 * i));
  Push(bytes, n);
}

void Builder::Pad(size_t n) {
  Reserve(n);
  head_ -= n;
  std::memset(buf_.data() + head_, 0, n);
}

void Builder::PreAlign(size_t len, size_t alignment) {
  min_align_ = std::max(min_align_, alignment);
  Pad((alignment - (size() + len) % alignment) % alignment);
}

void Builder::Align(size_t alignment) { PreAlign(0, alignment); }

uint32_t Builder::ReferTo(Ref ref) {
  Align(4);
  // The reference will be stored at distance size() + 4 from the end.
  return size() + 4 - ref;
}

Builder::Ref Builder::CreateString(std::string_view s) {
  PreAlign(s.size() + 1, 4);
  Pad(1);  // the NUL terminator
  Push(s.data(), s.size());
  PushLittleEndian(s.size(), 4);
  return size();
}

Builder::Ref Builder::CreateVector(std::string_view bytes, size_t count, size_t elem_size, size_t alignment) {
  PreAlign(count * elem_size, 4);
  PreAlign(count * elem_size, alignment);
  Push(bytes.data(), count * elem_size);
  PushLittleEndian(count, 4);
  return size();
}

Builder::Ref Builder::CreateRefVector(const std::vector<Ref>& refs) {
  PreAlign(refs.size() * 4, 4);
  for (size_t i = refs.size(); i-- > 0;) PushLittleEndian(ReferTo(refs[i]), 4);
  PushLittleEndian(refs.size(), 4);
  return size();
}

void Builder::StartTable() {
  fields_.clear();
  table_start_ = size();
}

void Builder::AddUint8(int id, uint8_t v) {
  PushLittleEndian(v, 1);
  fields_.emplace_back(id, size());
}

void Builder::AddInt16(int id, int16_t v) {
  Align(2);
  PushLittleEndian(static_cast<uint16_t>(v), 2);
  fields_.emplace_back(id, size());
}

void Builder::AddInt32(int id, int32_t v) {
  Align(4);
  PushLittleEndian(static_cast<uint32_t>(v), 4);
  fields_.emplace_back(id, size());
}

void Builder::AddInt64(int id, int64_t v) {
  Align(8);
  PushLittleEndian(static_cast<uint64_t>(v), 8);
  fields_.emplace_back(id, size());
}

void Builder::AddRef(int id, Ref ref) {
  PushLittleEndian(ReferTo(ref), 4);
  fields_.emplace_back(id, size());
}

Builder::Ref Builder::EndTable() {
  Align(4);
  PushLittleEndian(0, 4);  // distance to the vtable, patched below
  const uint32_t table = size();
  int num_ids = 0;
  for (const auto& [id, pos] : fields_) num_ids = std::max(num_ids, id + 1);
  std::vector<uint16_t> slots(num_ids, 0);
  // A field's position inside the table: its distance from the table start.
  for (const auto& [id, pos] : fields_) slots[id] = static_cast<uint16_t>(table - pos);
  for (size_t i = slots.size(); i-- > 0;) PushLittleEndian(slots[i], 2);
  PushLittleEndian(table - table_start_, 2);
  PushLittleEndian(4 + 2 * slots.size(), 2);
  const uint32_t vtable = size();
  // The vtable sits just before the table: a positive distance back.
  const uint32_t distance = vtable - table;
  uint8_t* at = buf_.data() + buf_.size() - table;
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(distance >> (8 * i));
  fields_.clear();
  return table;
}

std::string Builder::Finish(Ref root) {
  PreAlign(4, min_align_);
  PushLittleEndian(ReferTo(root), 4);
  std::string out(reinterpret_cast<const char*>(buf_.data() + head_), size());
  buf_.assign(256, 0);
  head_ = buf_.size();
  min_align_ = 8;
  return out;
}

// ---------------------------------------------------------------------------
// Parser

void Parser::Fail(const std::string& what, uint64_t pos) const {
  if (!status_.ok()) return;
  status_ = Status::InvalidArgument("flatbuffer " + what + " at byte " + std::to_string(pos) +
                                    " is outside its " + std::to_string(bytes_.size()) + " bytes");
}

uint64_t Parser::Read(uint64_t pos, size_t n) const {
  if (pos > bytes_.size() || bytes_.size() - pos < n) {
    Fail("field", pos);
    return 0;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos + i])) << (8 * i);
  return v;
}

uint32_t Parser::Follow(uint64_t pos) const {
  const uint64_t target = pos + Read(pos, 4);
  if (!status_.ok()) return 0;
  if (target >= bytes_.size()) {
    Fail("reference target", target);
    return 0;
  }
  return static_cast<uint32_t>(target);
}

Table Parser::TableAt(uint64_t pos) const {
  if (!status_.ok()) return {};
  const int64_t back = static_cast<int32_t>(Read(pos, 4));
  const int64_t vtable = static_cast<int64_t>(pos) - back;
  if (!status_.ok()) return {};
  if (vtable < 0 || static_cast<uint64_t>(vtable) + 4 > bytes_.size()) {
    Fail("vtable", vtable < 0 ? 0 : static_cast<uint64_t>(vtable));
    return {};
  }
  Table t;
  t.parser_ = this;
  t.pos_ = static_cast<uint32_t>(pos);
  t.vtable_ = static_cast<uint32_t>(vtable);
  t.vtable_size_ = static_cast<uint16_t>(Read(vtable, 2));
  t.table_size_ = static_cast<uint16_t>(Read(vtable + 2, 2));
  if (t.vtable_size_ < 4 || t.vtable_size_ % 2 != 0 ||
      static_cast<uint64_t>(vtable) + t.vtable_size_ > bytes_.size()) {
    Fail("vtable of " + std::to_string(t.vtable_size_) + " bytes", vtable);
    return {};
  }
  if (t.table_size_ < 4 || pos + t.table_size_ > bytes_.size()) {
    Fail("table of " + std::to_string(t.table_size_) + " bytes", pos);
    return {};
  }
  return t;
}

uint32_t Parser::VectorAt(uint64_t pos, size_t elem_size, uint32_t* length) const {
  *length = 0;
  const uint64_t count = Read(pos, 4);
  if (!status_.ok()) return 0;
  const uint64_t data = pos + 4;
  if (data > bytes_.size() || count > (bytes_.size() - data) / elem_size) {
    Fail("vector of " + std::to_string(count) + " elements", pos);
    return 0;
  }
  *length = static_cast<uint32_t>(count);
  return static_cast<uint32_t>(data);
}

std::string_view Parser::StringAt(uint64_t pos) const {
  uint32_t length = 0;
  const uint32_t data = VectorAt(pos, 1, &length);
  return status_.ok() ? bytes_.substr(data, length) : std::string_view();
}

Table Parser::Root() const {
  if (bytes_.size() > std::numeric_limits<uint32_t>::max()) {
    Fail("buffer", 0);
    return {};
  }
  const uint32_t root = Follow(0);
  return status_.ok() ? TableAt(root) : Table();
}

// ---------------------------------------------------------------------------
// Table

uint32_t Table::FieldPos(int id, size_t size) const {
  if (!parser_ || !parser_->status_.ok()) return 0;
  const uint32_t slot = 4 + 2 * static_cast<uint32_t>(id);
  if (slot + 2 > vtable_size_) return 0;  // the vtable predates this field
  const uint32_t offset = static_cast<uint32_t>(parser_->Read(vtable_ + slot, 2));
  if (offset == 0) return 0;
  if (offset + size > table_size_) {
    parser_->Fail("field " + std::to_string(id) + " of the table", pos_);
    return 0;
  }
  return pos_ + offset;
}

bool Table::Has(int id) const { return FieldPos(id, 1) != 0; }

uint8_t Table::GetUint8(int id, uint8_t def) const {
  const uint32_t at = FieldPos(id, 1);
  return at ? static_cast<uint8_t>(parser_->Read(at, 1)) : def;
}

int16_t Table::GetInt16(int id, int16_t def) const {
  const uint32_t at = FieldPos(id, 2);
  return at ? static_cast<int16_t>(parser_->Read(at, 2)) : def;
}

int32_t Table::GetInt32(int id, int32_t def) const {
  const uint32_t at = FieldPos(id, 4);
  return at ? static_cast<int32_t>(parser_->Read(at, 4)) : def;
}

int64_t Table::GetInt64(int id, int64_t def) const {
  const uint32_t at = FieldPos(id, 8);
  return at ? static_cast<int64_t>(parser_->Read(at, 8)) : def;
}

std::string_view Table::GetString(int id) const {
  const uint32_t at = FieldPos(id, 4);
  if (!at) return {};
  const uint32_t target = parser_->Follow(at);
  return parser_->status_.ok() ? parser_->StringAt(target) : std::string_view();
}

Table Table::GetTable(int id) const {
  const uint32_t at = FieldPos(id, 4);
  if (!at) return {};
  const uint32_t target = parser_->Follow(at);
  return parser_->status_.ok() ? parser_->TableAt(target) : Table();
}

Table::TableVector Table::GetTableVector(int id) const {
  const uint32_t at = FieldPos(id, 4);
  if (!at) return {};
  const uint32_t target = parser_->Follow(at);
  if (!parser_->status_.ok()) return {};
  TableVector v;
  v.data = parser_->VectorAt(target, 4, &v.length);
  if (!parser_->status_.ok()) return {};
  v.parser = parser_;
  return v;
}

std::string_view Table::GetInlineVector(int id, size_t elem_size, uint32_t* length) const {
  *length = 0;
  const uint32_t at = FieldPos(id, 4);
  if (!at) return {};
  const uint32_t target = parser_->Follow(at);
  if (!parser_->status_.ok()) return {};
  uint32_t count = 0;
  const uint32_t data = parser_->VectorAt(target, elem_size, &count);
  if (!parser_->status_.ok()) return {};
  *length = count;
  return parser_->bytes_.substr(data, static_cast<size_t>(count) * elem_size);
}

Table Table::TableVector::at(uint32_t i) const {
  if (!parser || i >= length) return {};
  const uint32_t target = parser->Follow(data + 4 * static_cast<uint64_t>(i));
  return parser->status_.ok() ? parser->TableAt(target) : Table();
}

std::string_view Table::TableVector::string_at(uint32_t i) const {
  if (!parser || i >= length) return {};
  const uint32_t target = parser->Follow(data + 4 * static_cast<uint64_t>(i));
  return parser->status_.ok() ? parser->StringAt(target) : std::string_view();
}

}  // namespace quiver::convert::flatbuf
