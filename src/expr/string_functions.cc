// String functions: lower, upper, length (char_length, character_length),
// octet_length, trim (btrim), ltrim, rtrim, substr (substring), starts_with,
// ends_with, contains, strpos, replace, concat, regexp_match (regexp_like).
#include <re2/re2.h>

#include <algorithm>

#include "expr/functions.h"
#include "expr/utf8.h"

namespace quiver::expr {
namespace {

// ---- Bind steps

Status BindStringToSame(CallBinding& call) {
  for (size_t i = 0; i < call.args.size(); ++i) QUIVER_RETURN_NOT_OK(BindStringArg(call, i));
  call.type = call.args[0]->type;
  return Status::OK();
}

Status BindLength(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindStringArg(call, 0));
  call.type = call.args[0]->type->is_large_offsets() ? int64() : int32();
  return Status::OK();
}

Status BindStringPredicate(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindStringArg(call, 0));
  QUIVER_RETURN_NOT_OK(BindStringArg(call, 1));
  call.type = boolean();
  return Status::OK();
}

Status BindStrpos(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindStringPredicate(call));
  call.type = int64();
  return Status::OK();
}

Status BindSubstr(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindStringArg(call, 0));
  for (size_t i = 1; i < call.args.size(); ++i) QUIVER_RETURN_NOT_OK(BindIntArg(call, i));
  call.type = call.args[0]->type;
  return Status::OK();
}

Status BindConcat(CallBinding& call) {
  bool large = false;
  for (size_t i = 0; i < call.args.size(); ++i) {
    const TypePtr& t = call.args[i]->type;
    large |= t->id() == TypeId::kLargeUtf8;
  }
  const TypePtr out = large ? large_utf8() : utf8();
  for (size_t i = 0; i < call.args.size(); ++i) QUIVER_RETURN_NOT_OK(call.cast_arg(i, out));
  call.type = out;
  call.nullable = false;
  return Status::OK();
}

// ---- Kernels

template <typename F>
Result<Datum> MapStrings(const std::vector<Datum>& args, int64_t n, const TypePtr& type, F&& f) {
  StringInput in(args[0]);
  StringWriter w(type, n);
  for (int64_t i = 0; i < n; ++i) {
    if (in.IsNull(i)) {
      w.AppendNull();
      continue;
    }
    f(in[i], &w.data());
    w.CloseRow(true);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, w.Finish());
  return Datum(std::move(out));
}

Result<Datum> LowerKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapStrings(args, n, call.type, [](std::string_view s, std::string* out) { AppendLower(s, out); });
}

Result<Datum> UpperKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapStrings(args, n, call.type, [](std::string_view s, std::string* out) { AppendUpper(s, out); });
}

template <typename F>
Result<Datum> MapToInt(const BoundExpr& call, const std::vector<Datum>& args, int64_t n, F&& f) {
  StringInput in(args[0]);
  const bool wide = call.type->id() == TypeId::kInt64;
  BufferPtr values = wide ? AllocateValues<int64_t>(n) : AllocateValues<int32_t>(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = in.IsNull(i) ? 0 : f(in[i]);
    if (wide) {
      MutableValues<int64_t>(values)[i] = v;
    } else {
      MutableValues<int32_t>(values)[i] = static_cast<int32_t>(v);
    }
  }
  BufferPtr validity = args[0].is_array() ? CopyBitmap(ValidityOf(*args[0].array), n) : nullptr;
  return Datum(MakeFixedArray(call.type, n, values, validity));
}

Result<Datum> LengthKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapToInt(call, args, n, [](std::string_view s) { return Utf8Length(s); });
}

Result<Datum> OctetLengthKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapToInt(call, args, n, [](std::string_view s) { return static_cast<int64_t>(s.size()); });
}

enum class TrimSide { kBoth, kLeft, kRight };

template <TrimSide kSide>
Result<Datum> TrimKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  std::unique_ptr<StringInput> chars;
  if (args.size() > 1) chars = std::make_unique<StringInput>(args[1]);
  StringInput in(args[0]);
  StringWriter w(call.type, n);
  for (int64_t i = 0; i < n; ++i) {
    if (in.IsNull(i) || (chars && chars->IsNull(i))) {
      w.AppendNull();
      continue;
    }
    std::string_view s = in[i];
    const std::string_view set = chars ? (*chars)[i] : std::string_view(" ");
    // Trimming works on code points: collect those of the set once per row.
    auto in_set = [&](std::string_view c) {
      for (size_t k = 0; k < set.size();) {
        const size_t len = Utf8CharLength(set, k);
        if (set.substr(k, len) == c) return true;
        k += len;
      }
      return false;
    };
    if (kSide != TrimSide::kRight) {
      while (!s.empty()) {
        const size_t len = Utf8CharLength(s, 0);
        if (!in_set(s.substr(0, len))) break;
        s.remove_prefix(len);
      }
    }
    if (kSide != TrimSide::kLeft) {
      while (!s.empty()) {
        size_t start = s.size() - 1;
        while (start > 0 && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80 && s.size() - start < 4) --start;
        if (!in_set(s.substr(start))) break;
        s.remove_suffix(s.size() - start);
      }
    }
    w.Append(s);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, w.Finish());
  return Datum(std::move(out));
}

// SQL substring: characters [start, start + count) of the 1-based string,
// clipped to it; start may be zero or negative.
Result<Datum> SubstrKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  StringInput in(args[0]);
  IntInput start(args[1]);
  std::unique_ptr<IntInput> count;
  if (args.size() > 2) count = std::make_unique<IntInput>(args[2]);
  StringWriter w(call.type, n);
  for (int64_t i = 0; i < n; ++i) {
    if (in.IsNull(i) || start.IsNull(i) || (count && count->IsNull(i))) {
      w.AppendNull();
      continue;
    }
    const std::string_view s = in[i];
    const int64_t from = start[i];
    int64_t to = INT64_MAX;  // exclusive, in characters, 1-based
    if (count) {
      const int64_t c = (*count)[i];
      if (c < 0) {
        return Status::InvalidArgument("negative substring length " + std::to_string(c) + " " + InExpr(call));
      }
      if (__builtin_add_overflow(from, c, &to)) to = INT64_MAX;
    }
    const int64_t first = std::max<int64_t>(from, 1);
    if (to <= first) {
      w.Append("");
      continue;
    }
    // Walk to the byte range of characters [first, to).
    size_t b = 0;
    int64_t pos = 1;
    while (b < s.size() && pos < first) {
      b += Utf8CharLength(s, b);
      ++pos;
    }
    size_t e = b;
    while (e < s.size() && pos < to) {
      e += Utf8CharLength(s, e);
      ++pos;
    }
    w.Append(s.substr(b, e - b));
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, w.Finish());
  return Datum(std::move(out));
}

template <typename F>
Result<Datum> StringPredicate(const std::vector<Datum>& args, int64_t n, F&& f) {
  StringInput a(args[0]), b(args[1]);
  BufferPtr values = AllocateBitmap(n);
  BufferPtr validity = AllocateBitmap(n);
  uint64_t* vw = MutableWords(values);
  uint64_t* nw = MutableWords(validity);
  FillBits(vw, n, [&](int64_t i) { return f(a[i], b[i]); });
  FillBits(nw, n, [&](int64_t i) { return !a.IsNull(i) && !b.IsNull(i); });
  return Datum(MakeBoolArray(n, values, validity));
}

Result<Datum> StartsWithKernel(const BoundExpr&, const std::vector<Datum>& args, int64_t n) {
  return StringPredicate(args, n, [](std::string_view s, std::string_view p) { return s.starts_with(p); });
}
Result<Datum> EndsWithKernel(const BoundExpr&, const std::vector<Datum>& args, int64_t n) {
  return StringPredicate(args, n, [](std::string_view s, std::string_view p) { return s.ends_with(p); });
}
Result<Datum> ContainsKernel(const BoundExpr&, const std::vector<Datum>& args, int64_t n) {
  return StringPredicate(
      args, n, [](std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; });
}

// strpos(s, sub): 1-based character position of the first occurrence, 0 when absent.
Result<Datum> StrposKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  StringInput a(args[0]), b(args[1]);
  BufferPtr values = AllocateValues<int64_t>(n);
  int64_t* out = MutableValues<int64_t>(values);
  BufferPtr validity = AllocateBitmap(n);
  FillBits(MutableWords(validity), n, [&](int64_t i) { return !a.IsNull(i) && !b.IsNull(i); });
  for (int64_t i = 0; i < n; ++i) {
    const size_t at = a[i].find(b[i]);
    out[i] = at == std::string_view::npos ? 0 : Utf8Length(a[i].substr(0, at)) + 1;
  }
  return Datum(MakeFixedArray(call.type, n, values, validity));
}

Result<Datum> ReplaceKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  StringInput s(args[0]), from(args[1]), to(args[2]);
  StringWriter w(call.type, n);
  for (int64_t i = 0; i < n; ++i) {
    if (s.IsNull(i) || from.IsNull(i) || to.IsNull(i)) {
      w.AppendNull();
      continue;
    }
    const std::string_view text = s[i], f = from[i], t = to[i];
    std::string& out = w.data();
    if (f.empty()) {
      out.append(text);
    } else {
      size_t pos = 0;
      for (size_t at; (at = text.find(f, pos)) != std::string_view::npos; pos = at + f.size()) {
        out.append(text.substr(pos, at - pos));
        out.append(t);
      }
      out.append(text.substr(pos));
    }
    w.CloseRow(true);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, w.Finish());
  return Datum(std::move(out));
}

// concat(...): NULL arguments are skipped (as in DataFusion and Postgres).
Result<Datum> ConcatKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  std::vector<std::unique_ptr<StringInput>> in;
  for (const Datum& d : args) in.push_back(std::make_unique<StringInput>(d));
  StringWriter w(call.type, n);
  for (int64_t i = 0; i < n; ++i) {
    for (const auto& s : in) {
      if (!s->IsNull(i)) w.data().append((*s)[i]);
    }
    w.CloseRow(true);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, w.Finish());
  return Datum(std::move(out));
}

// ---- Regular expressions (RE2 syntax; linear time, no backreferences)

struct RegexState {
  std::unique_ptr<RE2> re;
};

Result<std::unique_ptr<RE2>> CompileRegex(std::string_view pattern, std::string_view flags,
                                          std::string_view where) {
  std::string prefix;
  for (char f : flags) {
    if (f == 'i' || f == 'm' || f == 's') {
      prefix += f;
    } else if (f == 'c') {
      // case-sensitive: the default
    } else {
      return Status::InvalidArgument("unsupported regular expression flag '" + std::string(1, f) + "' " +
                                     std::string(where));
    }
  }
  std::string full = prefix.empty() ? std::string(pattern) : "(?" + prefix + ")" + std::string(pattern);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  auto re = std::make_unique<RE2>(full, options);
  if (!re->ok()) {
    return Status::InvalidArgument("invalid regular expression '" + std::string(pattern) +
                                   "': " + re->error() + " " + std::string(where));
  }
  return re;
}

Status BindRegex(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindStringArg(call, 0));
  QUIVER_RETURN_NOT_OK(BindStringArg(call, 1));
  if (call.args.size() > 2) QUIVER_RETURN_NOT_OK(BindStringArg(call, 2));
  call.type = boolean();
  const bool constant_flags = call.args.size() < 3 || call.args[2]->kind == BoundExpr::Kind::kLiteral;
  if (call.args[1]->kind == BoundExpr::Kind::kLiteral && constant_flags && !call.args[1]->literal.is_null()) {
    std::string flags;
    if (call.args.size() > 2 && !call.args[2]->literal.is_null()) {
      flags = std::get<std::string>(call.args[2]->literal.value);
    }
    auto state = std::make_shared<RegexState>();
    Result<std::unique_ptr<RE2>> re = CompileRegex(std::get<std::string>(call.args[1]->literal.value), flags,
                                                   "at position " + std::to_string(call.position));
    if (!re.ok()) return re.status();
    state->re = std::move(re).value();
    call.state = std::move(state);
  }
  return Status::OK();
}

Result<Datum> RegexKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  StringInput s(args[0]), pattern(args[1]);
  std::unique_ptr<StringInput> flags;
  if (args.size() > 2) flags = std::make_unique<StringInput>(args[2]);
  const auto* state = static_cast<const RegexState*>(call.state.get());
  BufferPtr values = AllocateBitmap(n);
  BufferPtr validity = AllocateBitmap(n);
  uint8_t* vb = values->mutable_data();
  uint8_t* nb = validity->mutable_data();
  // Per-row patterns are compiled when they change.
  std::unique_ptr<RE2> current;
  std::string current_key;
  for (int64_t i = 0; i < n; ++i) {
    if (s.IsNull(i) || pattern.IsNull(i) || (flags && flags->IsNull(i))) continue;
    const RE2* re = state ? state->re.get() : nullptr;
    if (re == nullptr) {
      std::string key = std::string(pattern[i]) + '\0' + (flags ? std::string((*flags)[i]) : std::string());
      if (!current || key != current_key) {
        QUIVER_ASSIGN_OR_RETURN(current, CompileRegex(pattern[i], flags ? (*flags)[i] : "", InExpr(call)));
        current_key = std::move(key);
      }
      re = current.get();
    }
    const std::string_view text = s[i];
    if (RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re)) SetBit(vb, i);
    SetBit(nb, i);
  }
  return Datum(MakeBoolArray(n, values, validity));
}

}  // namespace

void AddStringFunctions(std::vector<std::pair<std::string, FunctionDef>>* out) {
  const FunctionDef lower{"lower", 1, 1, BindStringToSame, LowerKernel};
  const FunctionDef upper{"upper", 1, 1, BindStringToSame, UpperKernel};
  const FunctionDef length{"length", 1, 1, BindLength, LengthKernel};
  const FunctionDef octet_length{"octet_length", 1, 1, BindLength, OctetLengthKernel};
  const FunctionDef btrim{"btrim", 1, 2, BindStringToSame, TrimKernel<TrimSide::kBoth>};
  const FunctionDef ltrim{"ltrim", 1, 2, BindStringToSame, TrimKernel<TrimSide::kLeft>};
  const FunctionDef rtrim{"rtrim", 1, 2, BindStringToSame, TrimKernel<TrimSide::kRight>};
  const FunctionDef substr{"substr", 2, 3, BindSubstr, SubstrKernel};
  const FunctionDef starts_with{"starts_with", 2, 2, BindStringPredicate, StartsWithKernel};
  const FunctionDef ends_with{"ends_with", 2, 2, BindStringPredicate, EndsWithKernel};
  const FunctionDef contains{"contains", 2, 2, BindStringPredicate, ContainsKernel};
  const FunctionDef strpos{"strpos", 2, 2, BindStrpos, StrposKernel};
  const FunctionDef replace{"replace", 3, 3, BindStringToSame, ReplaceKernel};
  const FunctionDef concat{"concat", 1, -1, BindConcat, ConcatKernel};
  const FunctionDef regexp_like{"regexp_like", 2, 3, BindRegex, RegexKernel};
  for (const auto& [name, def] : std::initializer_list<std::pair<const char*, const FunctionDef*>>{
           {"lower", &lower},
           {"upper", &upper},
           {"length", &length},
           {"char_length", &length},
           {"character_length", &length},
           {"octet_length", &octet_length},
           {"trim", &btrim},
           {"btrim", &btrim},
           {"ltrim", &ltrim},
           {"rtrim", &rtrim},
           {"substr", &substr},
           {"substring", &substr},
           {"starts_with", &starts_with},
           {"ends_with", &ends_with},
           {"contains", &contains},
           {"strpos", &strpos},
           {"instr", &strpos},
           {"replace", &replace},
           {"concat", &concat},
           {"regexp_like", &regexp_like},
           {"regexp_match", &regexp_like},
       }) {
    out->emplace_back(name, *def);
  }
}

}  // namespace quiver::expr
