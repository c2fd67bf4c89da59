#include "common/coding.h"

namespace quiver {

void PutFixed32(std::string* out, uint32_t v) {
  uint8_t buf[4];
  EncodeFixed32(buf, v);
  out->append(reinterpret_cast<const char*>(buf), sizeof(buf));
}

void PutFixed64(std::string* out, uint64_t v) {
  uint8_t buf[8];
  EncodeFixed64(buf, v);
  out->append(reinterpret_cast<const char*>(buf), sizeof(buf));
}

bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = DecodeFixed32(in->data());
  in->remove_prefix(4);
  return true;
}

bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(in->data());
  in->remove_prefix(8);
  return true;
}

uint8_t* EncodeVarint64(uint8_t* buf, uint64_t v) {
  while (v >= 0x80) {
    *buf++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *buf++ = static_cast<uint8_t>(v);
  return buf;
}

uint8_t* EncodeVarint32(uint8_t* buf, uint32_t v) { return EncodeVarint64(buf, v); }

int VarintLength(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint32(std::string* out, uint32_t v) { PutVarint64(out, v); }

void PutVarint64(std::string* out, uint64_t v) {
  uint8_t buf[kMaxVarint64Bytes];
  uint8_t* end = EncodeVarint64(buf, v);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
}

const uint8_t* DecodeVarint64(const uint8_t* p, const uint8_t* limit, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && p < limit; shift += 7) {
    uint64_t byte = *p++;
    // The tenth byte may only carry the top bit of a uint64.
    if (shift == 63 && byte > 1) return nullptr;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}

const uint8_t* DecodeVarint32(const uint8_t* p, const uint8_t* limit, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift < 35 && p < limit; shift += 7) {
    uint32_t byte = *p++;
    // The fifth byte may only carry the top four bits of a uint32.
    if (shift == 28 && byte > 0x0f) return nullptr;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}

namespace {

template <typename T, typename Decode>
bool GetVarint(std::string_view* in, T* v, Decode decode) {
  const auto* p = reinterpret_cast<const uint8_t*>(in->data());
  const uint8_t* end = decode(p, p + in->size(), v);
  if (end == nullptr) return false;
  in->remove_prefix(static_cast<size_t>(end - p));
  return true;
}

}  // namespace

bool GetVarint32(std::string_view* in, uint32_t* v) {
  return GetVarint(
      in, v, [](const uint8_t* p, const uint8_t* l, uint32_t* out) { return DecodeVarint32(p, l, out); });
}

bool GetVarint64(std::string_view* in, uint64_t* v) {
  return GetVarint(
      in, v, [](const uint8_t* p, const uint8_t* l, uint64_t* out) { return DecodeVarint64(p, l, out); });
}

void PutLengthPrefixed(std::string* out, std::string_view bytes) {
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

bool GetLengthPrefixed(std::string_view* in, std::string_view* bytes) {
  std::string_view rest = *in;
  uint64_t len;
  if (!GetVarint64(&rest, &len) || len > rest.size()) return false;
  *bytes = rest.substr(0, static_cast<size_t>(len));
  rest.remove_prefix(static_cast<size_t>(len));
  *in = rest;
  return true;
}

}  // namespace quiver
