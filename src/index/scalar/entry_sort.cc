#include "index/scalar/entry_sort.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <queue>

#include "common/coding.h"

namespace quiver::index {
namespace {

constexpr uint64_t kRunReadBytes = 1 << 20;
constexpr size_t kRunWriteBytes = 1 << 20;

}  // namespace

class EntrySorter::MemoryCursor : public EntryCursor {
 public:
  explicit MemoryCursor(const EntrySorter& s) : s_(s) {}
  Result<bool> Next() override {
    if (s_.kind_ == KeyKind::kFixed) {
      if (i_ >= s_.fixed_.size()) return false;
      key_.fixed = s_.fixed_[i_].key;
      row_ = s_.fixed_[i_].row;
    } else {
      if (i_ >= s_.bytes_.size()) return false;
      const BytesEntry& e = s_.bytes_[i_];
      key_.bytes = std::string_view(s_.arena_).substr(e.offset, e.length);
      row_ = e.row;
    }
    ++i_;
    return true;
  }

 private:
  const EntrySorter& s_;
  size_t i_ = 0;
};

// Reads a spilled run back in chunks. Records: fixed keys as u64 key + u64
// row; byte keys as varint length, bytes, u64 row.
class EntrySorter::RunCursor : public EntryCursor {
 public:
  RunCursor(KeyKind kind, ObjectStore& store, const Run& run) : kind_(kind), store_(store), run_(run) {}

  Result<bool> Next() override {
    if (kind_ == KeyKind::kFixed) {
      QUIVER_ASSIGN_OR_RETURN(bool more, Ensure(16));
      if (!more) return false;
      key_.fixed = DecodeFixed64(buf_.data() + pos_);
      row_ = DecodeFixed64(buf_.data() + pos_ + 8);
      pos_ += 16;
      return true;
    }
    QUIVER_ASSIGN_OR_RETURN(bool more, Ensure(1));
    if (!more) return false;
    uint64_t len;
    while (true) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(buf_.data()) + pos_;
      const uint8_t* end = reinterpret_cast<const uint8_t*>(buf_.data()) + buf_.size();
      const uint8_t* after = DecodeVarint64(p, end, &len);
      if (after != nullptr && static_cast<uint64_t>(end - after) >= len + 8) {
        key_.bytes = std::string_view(reinterpret_cast<const char*>(after), len);
        row_ = DecodeFixed64(after + len);
        pos_ = static_cast<size_t>(after + len + 8 - reinterpret_cast<const uint8_t*>(buf_.data()));
        return true;
      }
      QUIVER_ASSIGN_OR_RETURN(bool grew, Refill());
      if (!grew) return Status::Corruption(run_.key + ": truncated sort run");
    }
  }

 private:
  // True when `n` unread bytes are buffered; false at a clean end of run.
  Result<bool> Ensure(size_t n) {
    while (buf_.size() - pos_ < n) {
      QUIVER_ASSIGN_OR_RETURN(bool grew, Refill());
      if (!grew) {
        if (buf_.size() == pos_) return false;
        return Status::Corruption(run_.key + ": truncated sort run");
      }
    }
    return true;
  }
  Result<bool> Refill() {
    if (read_ >= run_.size) return false;
    const uint64_t n = std::min(kRunReadBytes, run_.size - read_);
    QUIVER_ASSIGN_OR_RETURN(BufferPtr chunk, store_.ReadRange(run_.key, read_, n));
    read_ += n;
    buf_.erase(0, pos_);
    pos_ = 0;
    buf_.append(chunk->view());
    return true;
  }

  KeyKind kind_;
  ObjectStore& store_;
  const Run& run_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t read_ = 0;
};

EntrySorter::EntrySorter(KeyKind kind, ObjectStore& store, std::string spill_prefix, uint64_t memory_bytes)
    : kind_(kind),
      store_(store),
      spill_prefix_(std::move(spill_prefix)),
      memory_bytes_(std::max<uint64_t>(memory_bytes, 1 << 16)) {}

EntrySorter::~EntrySorter() = default;

Status EntrySorter::AddBytes(std::string_view key, uint64_t row) {
  bytes_.push_back({arena_.size(), static_cast<uint32_t>(key.size()), row});
  arena_.append(key);
  if (bytes_.size() * sizeof(BytesEntry) + arena_.size() >= memory_bytes_) return Spill();
  return Status::OK();
}

void EntrySorter::SortMemory() {
  if (kind_ == KeyKind::kFixed) {
    std::sort(fixed_.begin(), fixed_.end(), [](const FixedEntry& a, const FixedEntry& b) {
      return a.key != b.key ? a.key < b.key : a.row < b.row;
    });
  } else {
    const std::string_view arena = arena_;
    std::sort(bytes_.begin(), bytes_.end(), [arena](const BytesEntry& a, const BytesEntry& b) {
      int c = arena.substr(a.offset, a.length).compare(arena.substr(b.offset, b.length));
      return c != 0 ? c < 0 : a.row < b.row;
    });
  }
}

Status EntrySorter::Spill() {
  SortMemory();
  char name[40];
  std::snprintf(name, sizeof(name), "sort-run-%06zu.tmp", runs_.size());
  Run run{spill_prefix_ + name, 0};
  QUIVER_ASSIGN_OR_RETURN(auto writer, store_.OpenWriter(run.key));
  std::string buf;
  buf.reserve(kRunWriteBytes + 64);
  auto flush = [&]() -> Status {
    QUIVER_RETURN_NOT_OK(writer->Append(buf));
    run.size += buf.size();
    buf.clear();
    return Status::OK();
  };
  if (kind_ == KeyKind::kFixed) {
    for (const FixedEntry& e : fixed_) {
      PutFixed64(&buf, e.key);
      PutFixed64(&buf, e.row);
      if (buf.size() >= kRunWriteBytes) QUIVER_RETURN_NOT_OK(flush());
    }
  } else {
    for (const BytesEntry& e : bytes_) {
      PutLengthPrefixed(&buf, std::string_view(arena_).substr(e.offset, e.length));
      PutFixed64(&buf, e.row);
      if (buf.size() >= kRunWriteBytes) QUIVER_RETURN_NOT_OK(flush());
    }
  }
  QUIVER_RETURN_NOT_OK(flush());
  QUIVER_RETURN_NOT_OK(writer->Close());
  runs_.push_back(std::move(run));
  num_entries_ += fixed_.size() + bytes_.size();
  // Give the memory back; the next run grows again from empty.
  std::vector<FixedEntry>().swap(fixed_);
  std::vector<BytesEntry>().swap(bytes_);
  std::string().swap(arena_);
  return Status::OK();
}

Result<std::vector<std::unique_ptr<EntryCursor>>> EntrySorter::Finish() {
  SortMemory();
  std::vector<std::unique_ptr<EntryCursor>> cursors;
  for (const Run& run : runs_) cursors.push_back(std::make_unique<RunCursor>(kind_, store_, run));
  cursors.push_back(std::make_unique<MemoryCursor>(*this));
  return cursors;
}

Status EntrySorter::Cleanup() {
  Status first;
  for (const Run& run : runs_) {
    Status st = store_.Delete(run.key);
    if (!st.ok() && !st.IsNotFound() && first.ok()) first = st;
  }
  runs_.clear();
  return first;
}

Status MergeEntries(KeyKind kind, std::vector<std::unique_ptr<EntryCursor>> cursors,
                    const std::function<Status(const KeyView& key, uint64_t row)>& sink) {
  // Prime every cursor; drop the empty ones.
  std::vector<EntryCursor*> live;
  for (auto& c : cursors) {
    QUIVER_ASSIGN_OR_RETURN(bool more, c->Next());
    if (more) live.push_back(c.get());
  }
  if (live.size() == 1) {
    EntryCursor* c = live[0];
    while (true) {
      QUIVER_RETURN_NOT_OK(sink(c->key(), c->row()));
      QUIVER_ASSIGN_OR_RETURN(bool more, c->Next());
      if (!more) return Status::OK();
    }
  }
  auto greater = [kind](const EntryCursor* a, const EntryCursor* b) {
    int c = CompareKeyViews(kind, a->key(), b->key());
    return c != 0 ? c > 0 : a->row() > b->row();
  };
  std::priority_queue<EntryCursor*, std::vector<EntryCursor*>, decltype(greater)> heap(greater,
                                                                                       std::move(live));
  while (!heap.empty()) {
    EntryCursor* c = heap.top();
    heap.pop();
    QUIVER_RETURN_NOT_OK(sink(c->key(), c->row()));
    QUIVER_ASSIGN_OR_RETURN(bool more, c->Next());
    if (more) heap.push(c);
  }
  return Status::OK();
}

}  // namespace quiver::index
