#include "convert/json_tape.h"

#include <charconv>
#include <limits>

#include "common/utf8.h"
#include "convert/text_util.h"

namespace quiver::convert {

namespace {

constexpr int kMaxDepth = 512;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status JsonTape::Error(const char* what) const {
  return Status::InvalidArgument(std::string(what) + " at byte " + std::to_string(pos_ + 1));
}

Status JsonTape::Parse(std::string_view text) {
  if (text.size() >= std::numeric_limits<uint32_t>::max()) return Status::InvalidArgument("text too long");
  text_ = text;
  pos_ = 0;
  nodes_.clear();
  arena_.clear();
  // Unescaping never lengthens a string, so the arena never reallocates and
  // views into it stay valid.
  arena_.reserve(text.size());
  SkipSpace();
  QUIVER_RETURN_NOT_OK(ParseValue(0));
  SkipSpace();
  if (pos_ != text_.size()) return Error("unexpected text after the value");
  return Status::OK();
}

Status JsonTape::ParseValue(int depth) {
  if (pos_ >= text_.size()) return Error("unexpected end of text");
  if (depth > kMaxDepth) return Error("nested too deeply");
  const uint32_t index = static_cast<uint32_t>(nodes_.size());
  nodes_.emplace_back();
  nodes_[index].begin = static_cast<uint32_t>(pos_);
  const char c = text_[pos_];
  switch (c) {
    case '{':
    case '[': {
      const bool object = c == '{';
      const char close = object ? '}' : ']';
      nodes_[index].kind = object ? Kind::kObject : Kind::kArray;
      ++pos_;
      SkipSpace();
      uint32_t count = 0;
      if (pos_ < text_.size() && text_[pos_] == close) {
        ++pos_;
      } else {
        while (true) {
          if (object) {
            if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a member name");
            const uint32_t key = static_cast<uint32_t>(nodes_.size());
            nodes_.emplace_back();
            nodes_[key].kind = Kind::kString;
            nodes_[key].begin = static_cast<uint32_t>(pos_);
            std::string_view name;
            QUIVER_RETURN_NOT_OK(ParseString(&name));
            nodes_[key].str = name;
            nodes_[key].end = static_cast<uint32_t>(pos_);
            nodes_[key].next = key + 1;
            SkipSpace();
            if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':'");
            ++pos_;
            SkipSpace();
          }
          QUIVER_RETURN_NOT_OK(ParseValue(depth + 1));
          ++count;
          SkipSpace();
          if (pos_ >= text_.size()) return Error("unexpected end of text");
          if (text_[pos_] == ',') {
            ++pos_;
            SkipSpace();
            continue;
          }
          if (text_[pos_] == close) {
            ++pos_;
            break;
          }
          return Error(object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
      }
      nodes_[index].count = count;
      break;
    }
    case '"': {
      nodes_[index].kind = Kind::kString;
      std::string_view s;
      QUIVER_RETURN_NOT_OK(ParseString(&s));
      nodes_[index].str = s;
      break;
    }
    case 't':
    case 'f':
    case 'n': {
      const std::string_view rest = text_.substr(pos_);
      if (rest.starts_with("true")) {
        nodes_[index].kind = Kind::kBool;
        nodes_[index].boolean = true;
        pos_ += 4;
      } else if (rest.starts_with("false")) {
        nodes_[index].kind = Kind::kBool;
        pos_ += 5;
      } else if (rest.starts_with("null")) {
        nodes_[index].kind = Kind::kNull;
        pos_ += 4;
      } else {
        return Error("invalid literal");
      }
      break;
    }
    default: {
      Node node;
      QUIVER_RETURN_NOT_OK(ParseNumber(&node));
      nodes_[index].kind = node.kind;
      nodes_[index].number = node.number;
      break;
    }
  }
  nodes_[index].end = static_cast<uint32_t>(pos_);
  nodes_[index].next = static_cast<uint32_t>(nodes_.size());
  return Status::OK();
}

Status JsonTape::ParseNumber(Node* node) {
  const size_t start = pos_;
  const size_t n = text_.size();
  size_t i = pos_;
  bool negative = false;
  if (i < n && text_[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= n || !IsDigit(text_[i])) return Error("invalid value");
  if (text_[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(text_[i])) ++i;
  }
  bool integral = true;
  if (i < n && text_[i] == '.') {
    integral = false;
    ++i;
    if (i >= n || !IsDigit(text_[i])) return Error("invalid number");
    while (i < n && IsDigit(text_[i])) ++i;
  }
  if (i < n && (text_[i] == 'e' || text_[i] == 'E')) {
    integral = false;
    ++i;
    if (i < n && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (i >= n || !IsDigit(text_[i])) return Error("invalid number");
    while (i < n && IsDigit(text_[i])) ++i;
  }
  const char* first = text_.data() + start;
  const char* last = text_.data() + i;
  pos_ = i;
  if (integral) {
    if (std::from_chars(first, last, node->number.i).ec == std::errc()) {
      node->kind = Kind::kInt;
      return Status::OK();
    }
    if (!negative && std::from_chars(first, last, node->number.u).ec == std::errc()) {
      node->kind = Kind::kUInt;
      return Status::OK();
    }
  }
  // Larger integers become doubles, as they do in nlohmann::json.
  auto [end, ec] = std::from_chars(first, last, node->number.d);
  if (ec != std::errc() || end != last) return Error("number out of range");
  node->kind = Kind::kDouble;
  return Status::OK();
}

Status JsonTape::ParseString(std::string_view* out) {
  const size_t n = text_.size();
  size_t i = pos_ + 1;
  const size_t start = i;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text_[i]);
    if (c == '"' || c == '\\' || c < 0x20) break;
    ++i;
  }
  if (i >= n) return Error("unterminated string");
  if (text_[i] == '"') {
    *out = text_.substr(start, i - start);
    pos_ = i + 1;
    return Status::OK();
  }
  // Escapes: unescape into the arena.
  const size_t arena_start = arena_.size();
  arena_.append(text_.substr(start, i - start));
  while (true) {
    if (i >= n) return Error("unterminated string");
    const unsigned char c = static_cast<unsigned char>(text_[i]);
    if (c == '"') break;
    if (c < 0x20) {
      pos_ = i;
      return Error("control character in a string");
    }
    if (c != '\\') {
      arena_.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (i + 1 >= n) return Error("unterminated string");
    const char e = text_[i + 1];
    i += 2;
    switch (e) {
      case '"':
        arena_.push_back('"');
        break;
      case '\\':
        arena_.push_back('\\');
        break;
      case '/':
        arena_.push_back('/');
        break;
      case 'b':
        arena_.push_back('\b');
        break;
      case 'f':
        arena_.push_back('\f');
        break;
      case 'n':
        arena_.push_back('\n');
        break;
      case 'r':
        arena_.push_back('\r');
        break;
      case 't':
        arena_.push_back('\t');
        break;
      case 'u': {
        auto hex4 = [&](size_t at, uint32_t* cp) {
          if (at + 4 > n) return false;
          uint32_t v = 0;
          for (size_t k = 0; k < 4; ++k) {
            const int h = HexValue(text_[at + k]);
            if (h < 0) return false;
            v = (v << 4) | static_cast<uint32_t>(h);
          }
          *cp = v;
          return true;
        };
        uint32_t cp;
        if (!hex4(i, &cp)) return Error("invalid \\u escape");
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (i + 1 >= n || text_[i] != '\\' || text_[i + 1] != 'u' || !hex4(i + 2, &low) || low < 0xDC00 ||
              low > 0xDFFF) {
            return Error("unpaired surrogate in a \\u escape");
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Error("unpaired surrogate in a \\u escape");
        }
        AppendUtf8(cp, &arena_);
        break;
      }
      default:
        return Error("invalid escape");
    }
  }
  *out = std::string_view(arena_).substr(arena_start);
  pos_ = i + 1;
  return Status::OK();
}

std::string TapeValue::Describe() const {
  const JsonTape::Node& n = node();
  std::string text(tape_->text().substr(n.begin, n.end - n.begin));
  constexpr size_t kMaxBytes = 40;
  if (text.size() > kMaxBytes) text = std::string(Utf8Prefix(text, kMaxBytes)) + "…";
  switch (n.kind) {
    case JsonTape::Kind::kNull:
      return "null";
    case JsonTape::Kind::kBool:
      return "bool " + text;
    case JsonTape::Kind::kString:
      return "string " + text;
    case JsonTape::Kind::kArray:
      return "array " + text;
    case JsonTape::Kind::kObject:
      return "object " + text;
    default:
      return "number " + text;
  }
}

}  // namespace quiver::convert
