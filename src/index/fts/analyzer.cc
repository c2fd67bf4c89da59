#include "index/fts/analyzer.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "index/fts/stop_words.h"

namespace quiver::index::fts {
namespace {

constexpr std::string_view kTokenizers[] = {"simple", "whitespace", "raw", "ngram"};
enum class TokenizerKind { kSimple, kWhitespace, kRaw, kNgram };

// A large raw value leaves this much scratch behind per thread at most.
constexpr size_t kMaxKeptScratch = size_t{1} << 20;

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

template <typename Range>
std::string Join(const Range& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Character classes. Bytes below 0x80 go through tables; only other code
// points ask utf8proc.

struct AsciiTables {
  bool word[128];   // letter or digit
  bool space[128];  // Unicode White_Space
  char lower[128];
};

constexpr AsciiTables MakeAsciiTables() {
  AsciiTables t{};
  for (int c = 0; c < 128; ++c) {
    bool upper = c >= 'A' && c <= 'Z';
    t.word[c] = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    t.space[c] = c == ' ' || (c >= 0x09 && c <= 0x0d);
    t.lower[c] = static_cast<char>(upper ? c - 'A' + 'a' : c);
  }
  return t;
}
constexpr AsciiTables kAscii = MakeAsciiTables();

// Letters, marks and numbers (digits, but also "²" or "Ⅻ", as tantivy's
// simple tokenizer keeps them).
bool IsWordCodePointSlow(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

// Unicode White_Space: the Z categories plus U+0085 (the ASCII ones are in
// the table).
bool IsSpaceCodePointSlow(int32_t cp) {
  if (cp == 0x85) return true;
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

bool IsMarkSlow(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

// Decodes the multi-byte UTF-8 sequence at p (p[0] >= 0x80, n bytes left)
// into *cp and returns its length, or 0 when it is not valid UTF-8 (a stray
// continuation byte, a truncated or overlong sequence, a surrogate, or a
// value above U+10FFFF).
size_t DecodeUtf8(const uint8_t* p, size_t n, int32_t* cp) {
  const uint8_t b0 = p[0];
  auto cont = [&](size_t i) { return i < n && (p[i] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    *cp = ((b0 & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    int32_t c = ((b0 & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    int32_t c = ((b0 & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    if (c < 0x10000 || c > 0x10FFFF) return 0;
    *cp = c;
    return 4;
  }
  return 0;
}

void AppendUtf8(int32_t cp, std::string* out) {
  utf8proc_uint8_t bytes[4];
  utf8proc_ssize_t len = utf8proc_encode_char(cp, bytes);
  out->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(len));
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// `text` without the bytes that are not valid UTF-8: `text` itself when it
// is valid, else a copy in *buf.
std::string_view DropInvalidUtf8(std::string_view text, std::string* buf) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  int32_t cp;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
    } else if (size_t len = DecodeUtf8(p + i, n - i, &cp)) {
      i += len;
    } else {
      break;
    }
  }
  if (i == n) return text;
  buf->assign(text.substr(0, i));
  while (i < n) {
    if (p[i] < 0x80) {
      buf->push_back(static_cast<char>(p[i++]));
    } else if (size_t len = DecodeUtf8(p + i, n - i, &cp)) {
      buf->append(text.substr(i, len));
      i += len;
    } else {
      ++i;
    }
  }
  return *buf;
}

// ---------------------------------------------------------------------------
// ASCII folding: a code point becomes its compatibility decomposition
// (NFKD) without combining marks when that is ASCII ("é" -> "e", "ﬁ" ->
// "fi", "²" -> "2"), or the entry below for letters that do not decompose.
// Anything else (Greek, Cyrillic, CJK, ...) is left alone, as Lucene's and
// tantivy's ASCII folding leave it: "й" is a letter of its own, not an "и"
// with an accent.

struct FoldEntry {
  int32_t cp;
  const char* ascii;
};

// Sorted by code point.
constexpr FoldEntry kFoldTable[] = {
    {0x00AB, "\""}, {0x00BB, "\""}, {0x00C6, "AE"}, {0x00D0, "D"}, {0x00D8, "O"},  {0x00DE, "TH"},
    {0x00DF, "ss"}, {0x00E6, "ae"}, {0x00F0, "d"},  {0x00F8, "o"}, {0x00FE, "th"}, {0x0110, "D"},
    {0x0111, "d"},  {0x0126, "H"},  {0x0127, "h"},  {0x0131, "i"}, {0x0138, "q"},  {0x013F, "L"},
    {0x0140, "l"},  {0x0141, "L"},  {0x0142, "l"},  {0x0149, "n"}, {0x014A, "N"},  {0x014B, "n"},
    {0x0152, "OE"}, {0x0153, "oe"}, {0x0166, "T"},  {0x0167, "t"}, {0x0180, "b"},  {0x0181, "B"},
    {0x0187, "C"},  {0x0188, "c"},  {0x0189, "D"},  {0x018A, "D"}, {0x0191, "F"},  {0x0192, "f"},
    {0x0197, "I"},  {0x0198, "K"},  {0x0199, "k"},  {0x019A, "l"}, {0x01A4, "P"},  {0x01A5, "p"},
    {0x01AB, "t"},  {0x01AC, "T"},  {0x01AD, "t"},  {0x01AE, "T"}, {0x01B5, "Z"},  {0x01B6, "z"},
    {0x01E4, "G"},  {0x01E5, "g"},  {0x0221, "d"},  {0x0234, "l"}, {0x0235, "n"},  {0x0236, "t"},
    {0x023A, "A"},  {0x023B, "C"},  {0x023C, "c"},  {0x023E, "T"}, {0x0243, "B"},  {0x0246, "E"},
    {0x0247, "e"},  {0x0248, "J"},  {0x0249, "j"},  {0x024C, "R"}, {0x024D, "r"},  {0x024E, "Y"},
    {0x024F, "y"},  {0x0253, "b"},  {0x0256, "d"},  {0x0257, "d"}, {0x0260, "g"},  {0x0268, "i"},
    {0x026B, "l"},  {0x026C, "l"},  {0x026D, "l"},  {0x0271, "m"}, {0x0272, "n"},  {0x0273, "n"},
    {0x027D, "r"},  {0x0282, "s"},  {0x0288, "t"},  {0x0289, "u"}, {0x0290, "z"},  {0x0291, "z"},
    {0x1E9E, "SS"}, {0x2010, "-"},  {0x2011, "-"},  {0x2012, "-"}, {0x2013, "-"},  {0x2014, "-"},
    {0x2015, "-"},  {0x2018, "'"},  {0x2019, "'"},  {0x201A, "'"}, {0x201B, "'"},  {0x201C, "\""},
    {0x201D, "\""}, {0x201E, "\""}, {0x201F, "\""}, {0x2032, "'"}, {0x2039, "'"},  {0x203A, "'"},
    {0x2044, "/"},
};

constexpr bool FoldTableSorted() {
  for (size_t i = 1; i < std::size(kFoldTable); ++i) {
    if (kFoldTable[i - 1].cp >= kFoldTable[i].cp) return false;
  }
  return true;
}
static_assert(FoldTableSorted(), "kFoldTable must be sorted by code point");

const char* FoldTableLookup(int32_t cp) {
  if (cp < kFoldTable[0].cp || cp > std::end(kFoldTable)[-1].cp) return nullptr;
  auto it = std::lower_bound(std::begin(kFoldTable), std::end(kFoldTable), cp,
                             [](const FoldEntry& e, int32_t c) { return e.cp < c; });
  return it != std::end(kFoldTable) && it->cp == cp ? it->ascii : nullptr;
}

void AppendAscii(const char* s, bool lower, std::string* out) {
  for (; *s; ++s) out->push_back(lower ? kAscii.lower[static_cast<uint8_t>(*s)] : *s);
}

// Appends the ASCII form of `cp` (not ASCII) and returns true, or returns
// false, leaving *out as it was, when it has none.
bool AppendAsciiFoldSlow(int32_t cp, bool lower, std::string* out) {
  if (const char* ascii = FoldTableLookup(cp)) {
    AppendAscii(ascii, lower, out);
    return true;
  }
  if (utf8proc_get_property(cp)->decomp_seqindex == UINT16_MAX) return false;
  // The longest compatibility decomposition (U+FDFA) has 18 code points.
  utf8proc_int32_t parts[18];
  int boundclass = UTF8PROC_BOUNDCLASS_START;
  utf8proc_ssize_t n = utf8proc_decompose_char(
      cp, parts, 18, static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &boundclass);
  if (n <= 0 || n > 18) return false;
  const size_t mark = out->size();
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    int32_t part = parts[i];
    if (part > 0x20 && part < 0x7F) {
      out->push_back(lower ? kAscii.lower[part] : static_cast<char>(part));
    } else if (part >= 0x80 && IsMarkSlow(part)) {
      continue;
    } else if (const char* ascii = part >= 0x80 ? FoldTableLookup(part) : nullptr) {
      AppendAscii(ascii, lower, out);
    } else {  // a space, a control or a letter without an ASCII form
      out->resize(mark);
      return false;
    }
  }
  if (out->size() == mark) return false;  // only marks
  return true;
}

// What the analyzer needs to know about a code point, precomputed for the
// alphabets of most European text (Latin-1, Latin Extended-A/B, IPA,
// Greek, Cyrillic): asking utf8proc for every character made analyzing
// accented text half again as slow.
struct CodePointInfo {
  int32_t lower;
  char fold[6];
  int8_t fold_length;  // -1: no ASCII form; kFoldTooLong: ask utf8proc
  bool word : 1;
  bool space : 1;
  bool mark : 1;
};
constexpr int32_t kInfoEnd = 0x0530;
constexpr int8_t kFoldTooLong = -2;

const CodePointInfo* BuildInfo() {
  static CodePointInfo table[kInfoEnd];
  std::string fold;
  for (int32_t cp = 0; cp < kInfoEnd; ++cp) {
    CodePointInfo& info = table[cp];
    info.lower = utf8proc_tolower(cp);
    fold.clear();
    info.fold_length = -1;
    if (cp >= 0x80 && AppendAsciiFoldSlow(cp, /*lower=*/false, &fold)) {
      if (fold.size() <= sizeof(info.fold)) {
        std::memcpy(info.fold, fold.data(), fold.size());
        info.fold_length = static_cast<int8_t>(fold.size());
      } else {
        info.fold_length = kFoldTooLong;
      }
    }
    info.word = IsWordCodePointSlow(cp);
    info.space = cp < 0x80 ? kAscii.space[cp] : IsSpaceCodePointSlow(cp);
    info.mark = IsMarkSlow(cp);
  }
  return table;
}

// Built on first use rather than at load time, so that analyzing from
// another file's static initializer is safe too.
const CodePointInfo* Info() {
  static const CodePointInfo* const table = BuildInfo();
  return table;
}

bool IsWordCodePoint(int32_t cp) { return cp < kInfoEnd ? Info()[cp].word : IsWordCodePointSlow(cp); }
bool IsSpaceCodePoint(int32_t cp) { return cp < kInfoEnd ? Info()[cp].space : IsSpaceCodePointSlow(cp); }
bool IsMark(int32_t cp) { return cp < kInfoEnd ? Info()[cp].mark : IsMarkSlow(cp); }
int32_t ToLower(int32_t cp) { return cp < kInfoEnd ? Info()[cp].lower : utf8proc_tolower(cp); }

bool AppendAsciiFold(int32_t cp, bool lower, std::string* out) {
  const CodePointInfo* info = cp < kInfoEnd ? &Info()[cp] : nullptr;
  if (info == nullptr || info->fold_length == kFoldTooLong) return AppendAsciiFoldSlow(cp, lower, out);
  if (info->fold_length < 0) return false;
  for (int i = 0; i < info->fold_length; ++i) {
    out->push_back(lower ? kAscii.lower[static_cast<uint8_t>(info->fold[i])] : info->fold[i]);
  }
  return true;
}

// Lower-cases (per code point, utf8proc's simple mapping) and ASCII-folds
// `token`, which is valid UTF-8, into *out. A combining mark after an ASCII
// letter goes when folding ("cafe" + U+0301 -> "cafe"); after any other
// letter it stays, since there it may be a vowel sign (Devanagari) rather
// than an accent.
void LowerFoldUnicode(std::string_view token, bool lower, bool fold, std::string* out) {
  out->clear();
  const auto* p = reinterpret_cast<const uint8_t*>(token.data());
  const size_t n = token.size();
  bool after_ascii = false;
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      out->push_back(lower ? kAscii.lower[p[i]] : static_cast<char>(p[i]));
      after_ascii = true;
      ++i;
      continue;
    }
    int32_t cp;
    size_t len = DecodeUtf8(p + i, n - i, &cp);
    if (len == 0) {  // callers pass valid UTF-8; skip rather than copy garbage
      ++i;
      continue;
    }
    i += len;
    if (lower) cp = ToLower(cp);
    if (cp < 0x80) {  // the Kelvin sign lower-cases to "k"
      out->push_back(static_cast<char>(cp));
      after_ascii = true;
      continue;
    }
    if (fold) {
      if (IsMark(cp)) {
        if (!after_ascii) AppendUtf8(cp, out);
        continue;
      }
      if (AppendAsciiFold(cp, lower, out)) {
        after_ascii = true;
        continue;
      }
    }
    AppendUtf8(cp, out);
    after_ascii = false;
  }
}

// ---------------------------------------------------------------------------
// Languages.

// libstemmer's canonical algorithm names ("english", "porter", ...), sorted
// and deduplicated; a stemmer's id is its index here.
const std::vector<std::string>& StemmerNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) v.emplace_back(*name);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }();
  return names;
}

int StemmerId(std::string_view language) {
  const auto& names = StemmerNames();
  auto it = std::lower_bound(names.begin(), names.end(), language);
  if (it == names.end() || *it != language) return -1;
  return static_cast<int>(it - names.begin());
}

bool HasStopWords(std::string_view language) { return !StopWordList(language).empty(); }

std::vector<std::string> KnownLanguages() {
  std::vector<std::string> all = StemmerNames();
  for (std::string_view l : StopWordListLanguages()) all.emplace_back(l);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

// The stop words of `language` as a token reads after ASCII folding
// ("für" -> "fur"), built once per language.
const StopWordSet* FoldedStopWords(std::string_view language) {
  static const std::map<std::string, StopWordSet, std::less<>> sets = [] {
    std::map<std::string, StopWordSet, std::less<>> m;
    std::string folded;
    for (std::string_view l : StopWordListLanguages()) {
      std::vector<std::string> words;
      for (std::string_view w : StopWordList(l)) {
        LowerFoldUnicode(w, /*lower=*/true, /*fold=*/true, &folded);
        words.push_back(folded);
      }
      m.emplace(std::string(l), StopWordSet(words));
    }
    return m;
  }();
  auto it = sets.find(language);
  return it == sets.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------
// Per-thread state.

// A stemmer with a cache of recent results. libstemmer's stemmers cost
// ~150 ns a word, and text repeats its words (Zipf), so most words are
// found here instead; stemming is a pure function of the word, so a hit
// gives what the stemmer would. Direct-mapped; words longer than
// kMaxCachedBytes are always stemmed.
class CachedStemmer {
 public:
  explicit CachedStemmer(sb_stemmer* stemmer) : stemmer_(stemmer), entries_(kEntries) {}
  CachedStemmer(const CachedStemmer&) = delete;
  CachedStemmer& operator=(const CachedStemmer&) = delete;
  ~CachedStemmer() { sb_stemmer_delete(stemmer_); }

  // `word` stemmed; valid until the next call.
  std::string_view Stem(std::string_view word) {
    if (word.size() > kMaxCachedBytes) return Uncached(word);
    Entry& e = entries_[Hash(word) & (kEntries - 1)];
    if (e.word_length == word.size() && std::memcmp(e.word, word.data(), word.size()) == 0) {
      return {e.stem, e.stem_length};
    }
    std::string_view stem = Uncached(word);
    if (stem.size() > kMaxCachedBytes) return stem;
    std::memcpy(e.word, word.data(), word.size());
    e.word_length = static_cast<uint8_t>(word.size());
    std::memcpy(e.stem, stem.data(), stem.size());
    e.stem_length = static_cast<uint8_t>(stem.size());
    return {e.stem, e.stem_length};
  }

 private:
  static constexpr size_t kEntries = 8192;  // 512 KiB per thread and language
  static constexpr size_t kMaxCachedBytes = 31;
  struct Entry {
    char word[kMaxCachedBytes];
    uint8_t word_length = UINT8_MAX;  // no word: never matches
    char stem[kMaxCachedBytes];
    uint8_t stem_length = 0;
  };

  static uint64_t Hash(std::string_view word) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (unsigned char c : word) h = (h ^ c) * 1099511628211ull;
    return h ^ (h >> 32);
  }

  std::string_view Uncached(std::string_view word) {
    const sb_symbol* stemmed = sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(word.data()),
                                               static_cast<int>(word.size()));
    if (stemmed == nullptr) return word;  // out of memory: index the word unstemmed
    return {reinterpret_cast<const char*>(stemmed), static_cast<size_t>(sb_stemmer_length(stemmer_))};
  }

  sb_stemmer* stemmer_;
  std::vector<Entry> entries_;
};

// Scratch buffers reused from token to token, and this thread's stemmers:
// a libstemmer stemmer keeps the word it works on inside itself, so two
// threads must never share one. Freed when the thread ends.
class ThreadState {
 public:
  ThreadState() = default;
  ThreadState(const ThreadState&) = delete;
  ThreadState& operator=(const ThreadState&) = delete;

  // This thread's stemmer for StemmerNames()[id]; null only when libstemmer
  // runs out of memory.
  CachedStemmer* Stemmer(int id) {
    if (static_cast<size_t>(id) >= stemmers_.size()) stemmers_.resize(id + 1);
    if (stemmers_[id] == nullptr) {
      sb_stemmer* stemmer = sb_stemmer_new(StemmerNames()[id].c_str(), "UTF_8");
      if (stemmer == nullptr) return nullptr;
      stemmers_[id] = std::make_unique<CachedStemmer>(stemmer);
    }
    return stemmers_[id].get();
  }

  void TrimScratch() {
    if (normalized.capacity() > kMaxKeptScratch) std::string().swap(normalized);
    if (folded.capacity() > kMaxKeptScratch) std::string().swap(folded);
    if (sanitized.capacity() > kMaxKeptScratch) std::string().swap(sanitized);
    if (offsets.capacity() > kMaxKeptScratch) std::vector<uint32_t>().swap(offsets);
  }

  std::string normalized;         // a token after lower-casing (and folding)
  std::string folded;             // a stemmed term after folding
  std::string sanitized;          // a raw value without its invalid bytes
  std::vector<uint32_t> offsets;  // byte offsets of a word's code points (n-grams)

 private:
  std::vector<std::unique_ptr<CachedStemmer>> stemmers_;
};

ThreadState& LocalState() {
  thread_local ThreadState state;
  return state;
}

}  // namespace

// ---------------------------------------------------------------------------
// AnalyzerOptions

Status AnalyzerOptions::Validate() const {
  if (std::find(std::begin(kTokenizers), std::end(kTokenizers), tokenizer) == std::end(kTokenizers)) {
    return Status::InvalidArgument("unknown tokenizer \"" + tokenizer + "\"; expected one of " +
                                   Join(kTokenizers));
  }
  if (ngram_min < 1) {
    return Status::InvalidArgument("ngram_min is " + std::to_string(ngram_min) + ", must be at least 1");
  }
  if (ngram_min > ngram_max) {
    return Status::InvalidArgument("ngram_min (" + std::to_string(ngram_min) +
                                   ") is greater than ngram_max (" + std::to_string(ngram_max) + ")");
  }
  if (max_token_length < 0) {
    return Status::InvalidArgument("max_token_length is " + std::to_string(max_token_length) +
                                   ", must be 0 (no limit) or more");
  }
  const std::string lang = AsciiLower(language);
  const std::vector<std::string> known = KnownLanguages();
  if (!std::binary_search(known.begin(), known.end(), lang)) {
    return Status::InvalidArgument("unknown language \"" + language + "\"; known languages: " + Join(known));
  }
  if (stem && StemmerId(lang) < 0) {
    return Status::InvalidArgument("stem is true but language \"" + language +
                                   "\" has no stemmer; languages with one: " + Join(StemmerNames()));
  }
  if (remove_stop_words && !HasStopWords(lang)) {
    return Status::InvalidArgument(
        "remove_stop_words is true but language \"" + language +
        "\" has no stop-word list; languages with one: " + Join(StopWordListLanguages()));
  }
  return Status::OK();
}

nlohmann::json AnalyzerOptions::ToJson() const {
  return nlohmann::json{
      {"tokenizer", tokenizer},
      {"ngram_min", ngram_min},
      {"ngram_max", ngram_max},
      {"prefix_only", prefix_only},
      {"language", language},
      {"lower_case", lower_case},
      {"ascii_folding", ascii_folding},
      {"remove_stop_words", remove_stop_words},
      {"stem", stem},
      {"max_token_length", max_token_length},
  };
}

Result<AnalyzerOptions> AnalyzerOptions::FromJson(const nlohmann::json& json) {
  if (!json.is_object()) {
    return Status::InvalidArgument(std::string("analyzer options must be a JSON object, got ") +
                                   json.type_name());
  }
  auto wrong_type = [](const std::string& key, const nlohmann::json& value, const char* expected) {
    return Status::InvalidArgument("analyzer option \"" + key + "\" must be " + expected + ", got " +
                                   value.dump());
  };
  AnalyzerOptions o;
  for (const auto& [key, value] : json.items()) {
    std::string* string_field = key == "tokenizer" ? &o.tokenizer : key == "language" ? &o.language : nullptr;
    bool* bool_field = key == "prefix_only"         ? &o.prefix_only
                       : key == "lower_case"        ? &o.lower_case
                       : key == "ascii_folding"     ? &o.ascii_folding
                       : key == "remove_stop_words" ? &o.remove_stop_words
                       : key == "stem"              ? &o.stem
                                                    : nullptr;
    int* int_field = key == "ngram_min"          ? &o.ngram_min
                     : key == "ngram_max"        ? &o.ngram_max
                     : key == "max_token_length" ? &o.max_token_length
                                                 : nullptr;
    if (string_field != nullptr) {
      if (!value.is_string()) return wrong_type(key, value, "a string");
      *string_field = value.get<std::string>();
    } else if (bool_field != nullptr) {
      if (!value.is_boolean()) return wrong_type(key, value, "a boolean");
      *bool_field = value.get<bool>();
    } else if (int_field != nullptr) {
      bool fits = value.is_number_unsigned() ? value.get<uint64_t>() <= INT_MAX
                  : value.is_number_integer()
                      ? value.get<int64_t>() >= INT_MIN && value.get<int64_t>() <= INT_MAX
                      : false;
      if (!fits) return wrong_type(key, value, "an integer");
      *int_field = static_cast<int>(value.get<int64_t>());
    } else {
      // Rejected rather than ignored, so a misspelt option is not silently
      // replaced by its default.
      return Status::InvalidArgument("unknown analyzer option \"" + key + "\"");
    }
  }
  return o;
}

// ---------------------------------------------------------------------------
// Analyzer

struct Analyzer::Impl {
  TokenizerKind kind = TokenizerKind::kSimple;
  size_t max_token_length = 0;  // 0: no limit
  bool lower_case = true;
  bool ascii_folding = true;
  const StopWordSet* stop_words = nullptr;  // null: keep stop words
  int stemmer = -1;                         // index into StemmerNames(), -1: no stemming
  size_t ngram_min = 3;
  size_t ngram_max = 3;
  bool prefix_only = false;

  // A token lower-cased (and folded when `fold`), in `token` itself or in
  // `out`; empty when it is too long.
  std::string_view Normalize(std::string_view token, bool ascii, bool fold, std::string* out) const {
    if (max_token_length != 0 && token.size() > max_token_length) return {};
    if (ascii) {
      // Folding leaves ASCII as it is.
      if (!lower_case) return token;
      out->resize(token.size());
      char* dst = out->data();
      for (size_t i = 0; i < token.size(); ++i) dst[i] = kAscii.lower[static_cast<uint8_t>(token[i])];
      return *out;
    }
    if (!lower_case && !fold) return token;
    LowerFoldUnicode(token, lower_case, fold, out);
    return *out;
  }

  // The filters after the tokenizer on one word, in LanceDB's order: length,
  // lower case, stemming, then stop words and ASCII folding (stop lists are
  // kept folded, so the two commute). The term lives in st's buffers or the
  // stemmer's, valid until the next call; empty when the word is dropped.
  // Words dropped as stop words are the ones whose stem is a stop word.
  std::string_view Filter(std::string_view token, bool ascii, ThreadState& st, CachedStemmer* stemmer) const {
    std::string_view term = Normalize(token, ascii, /*fold=*/false, &st.normalized);
    if (term.empty()) return term;
    term = Stem(term, stemmer);
    if (ascii_folding && !IsAscii(term)) {
      LowerFoldUnicode(term, /*lower=*/false, /*fold=*/true, &st.folded);
      term = st.folded;
    }
    if (stop_words != nullptr && stop_words->Contains(term)) return {};
    return term;
  }

  // `term` stemmed, valid until the stemmer's next call; `term` itself
  // without a stemmer.
  static std::string_view Stem(std::string_view term, CachedStemmer* stemmer) {
    if (stemmer == nullptr || term.empty()) return term;
    return stemmer->Stem(term);
  }

  void EmitWord(std::string_view token, bool ascii, uint32_t position, ThreadState& st,
                CachedStemmer* stemmer, std::vector<Token>* out) const {
    if (kind == TokenizerKind::kNgram) {
      // n-grams are cut from the folded word; stop words make none.
      std::string_view word = Normalize(token, ascii, ascii_folding, &st.normalized);
      if (word.empty() || (stop_words != nullptr && stop_words->Contains(word))) return;
      EmitNgrams(word, position, st, out);
      return;
    }
    std::string_view term = Filter(token, ascii, st, stemmer);
    if (!term.empty()) out->push_back(Token{std::string(term), position});
  }

  // The n-grams of one filtered word, by start and then by length; all
  // share the word's position. A word shorter than ngram_min has none.
  void EmitNgrams(std::string_view word, uint32_t position, ThreadState& st, std::vector<Token>* out) const {
    std::vector<uint32_t>& offsets = st.offsets;
    offsets.clear();
    for (size_t i = 0; i < word.size(); ++i) {
      if ((static_cast<uint8_t>(word[i]) & 0xC0) != 0x80) offsets.push_back(static_cast<uint32_t>(i));
    }
    const size_t chars = offsets.size();
    offsets.push_back(static_cast<uint32_t>(word.size()));
    const size_t starts = prefix_only ? std::min<size_t>(chars, 1) : chars;
    for (size_t s = 0; s < starts; ++s) {
      for (size_t len = ngram_min; len <= ngram_max && s + len <= chars; ++len) {
        out->push_back(Token{std::string(word.substr(offsets[s], offsets[s + len] - offsets[s])), position});
      }
    }
  }

  // Splits `text` into runs of token characters (letters, marks and
  // numbers; or anything but white space) and emits each. Bytes that are
  // not valid UTF-8 end a token like a separator.
  template <bool kWhitespace>
  uint32_t Split(std::string_view text, uint32_t position, ThreadState& st, CachedStemmer* stemmer,
                 std::vector<Token>* out) const {
    return SplitWith<kWhitespace>(text, position, [&](std::string_view token, bool ascii, uint32_t at) {
      EmitWord(token, ascii, at, st, stemmer, out);
    });
  }

  // Splits `text` into tokens, calling emit(token, ascii, position) for each.
  template <bool kWhitespace, typename Emit>
  static uint32_t SplitWith(std::string_view text, uint32_t position, Emit&& emit) {
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const size_t n = text.size();
    auto ascii_in_token = [](uint8_t b) { return kWhitespace ? !kAscii.space[b] : kAscii.word[b]; };
    auto in_token = [](int32_t cp) { return kWhitespace ? !IsSpaceCodePoint(cp) : IsWordCodePoint(cp); };
    size_t i = 0;
    for (;;) {
      // To the first byte of the next token.
      for (;;) {
        if (i >= n) return position;
        const uint8_t b = p[i];
        if (b < 0x80) {
          if (ascii_in_token(b)) break;
          ++i;
          continue;
        }
        int32_t cp;
        size_t len = DecodeUtf8(p + i, n - i, &cp);
        if (len != 0 && in_token(cp)) break;
        i += len != 0 ? len : 1;
      }
      const size_t start = i;
      bool ascii = true;
      while (i < n) {
        const uint8_t b = p[i];
        if (b < 0x80) {
          if (!ascii_in_token(b)) break;
          ++i;
          continue;
        }
        int32_t cp;
        size_t len = DecodeUtf8(p + i, n - i, &cp);
        if (len == 0 || !in_token(cp)) break;
        ascii = false;
        i += len;
      }
      emit(text.substr(start, i - start), ascii, position++);
    }
  }
};

Analyzer::Analyzer(AnalyzerOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Analyzer::~Analyzer() = default;

Result<std::unique_ptr<Analyzer>> Analyzer::Make(const AnalyzerOptions& options) {
  QUIVER_RETURN_NOT_OK(options.Validate());
  AnalyzerOptions canonical = options;
  canonical.language = AsciiLower(options.language);
  std::unique_ptr<Analyzer> analyzer(new Analyzer(canonical));
  Impl& impl = *analyzer->impl_;
  const std::string& lang = analyzer->options_.language;
  const std::string& tok = analyzer->options_.tokenizer;
  impl.kind = tok == "simple"       ? TokenizerKind::kSimple
              : tok == "whitespace" ? TokenizerKind::kWhitespace
              : tok == "raw"        ? TokenizerKind::kRaw
                                    : TokenizerKind::kNgram;
  impl.max_token_length = static_cast<size_t>(options.max_token_length);
  impl.lower_case = options.lower_case;
  impl.ascii_folding = options.ascii_folding;
  // Stop words and stems are about words: a raw value is not one, and
  // n-grams are pieces of one (a stemmed piece of a query would stop
  // matching the same piece of a document). "ngram" drops stop words
  // before cutting a word into pieces.
  if (options.remove_stop_words && impl.kind != TokenizerKind::kRaw) {
    impl.stop_words = options.ascii_folding ? FoldedStopWords(lang) : StopWords(lang);
  }
  if (options.stem && impl.kind != TokenizerKind::kNgram && impl.kind != TokenizerKind::kRaw) {
    impl.stemmer = StemmerId(lang);
    sb_stemmer* probe = sb_stemmer_new(lang.c_str(), "UTF_8");
    if (probe == nullptr) {
      return Status::InvalidArgument("stemmer for language \"" + lang + "\" could not be created");
    }
    sb_stemmer_delete(probe);
  }
  impl.ngram_min = static_cast<size_t>(options.ngram_min);
  impl.ngram_max = static_cast<size_t>(options.ngram_max);
  impl.prefix_only = options.prefix_only;
  return analyzer;
}

uint32_t Analyzer::Analyze(std::string_view text, uint32_t first_position, std::vector<Token>* out) const {
  const Impl& impl = *impl_;
  ThreadState& st = LocalState();
  CachedStemmer* stemmer = impl.stemmer >= 0 ? st.Stemmer(impl.stemmer) : nullptr;
  uint32_t end = first_position;
  switch (impl.kind) {
    case TokenizerKind::kSimple:
    case TokenizerKind::kNgram:
      end = impl.Split<false>(text, first_position, st, stemmer, out);
      break;
    case TokenizerKind::kWhitespace:
      end = impl.Split<true>(text, first_position, st, stemmer, out);
      break;
    case TokenizerKind::kRaw: {
      bool ascii = IsAscii(text);
      std::string_view value = ascii ? text : DropInvalidUtf8(text, &st.sanitized);
      if (!value.empty()) impl.EmitWord(value, ascii, end++, st, stemmer, out);
      break;
    }
  }
  st.TrimScratch();
  return end;
}

bool Analyzer::word_tokenizer() const {
  return impl_->kind == TokenizerKind::kSimple || impl_->kind == TokenizerKind::kWhitespace;
}

uint32_t Analyzer::Tokenize(std::string_view text, uint32_t first_position, WordFn word,
                            void* context) const {
  auto emit = [&](std::string_view token, bool, uint32_t position) { word(context, token, position); };
  if (impl_->kind == TokenizerKind::kWhitespace) return Impl::SplitWith<true>(text, first_position, emit);
  return Impl::SplitWith<false>(text, first_position, emit);
}

std::string Analyzer::NormalizeTerm(std::string_view word) const {
  const Impl& impl = *impl_;
  ThreadState& st = LocalState();
  bool ascii = IsAscii(word);
  if (!ascii) word = DropInvalidUtf8(word, &st.sanitized);
  std::string result;
  if (impl.kind == TokenizerKind::kNgram) {
    std::string_view folded = impl.Normalize(word, ascii, impl.ascii_folding, &st.normalized);
    if (impl.stop_words == nullptr || !impl.stop_words->Contains(folded)) result = folded;
  } else {
    result = impl.Filter(word, ascii, st, impl.stemmer >= 0 ? st.Stemmer(impl.stemmer) : nullptr);
  }
  st.TrimScratch();
  return result;
}

std::vector<std::string> StemmerLanguages() { return StemmerNames(); }

std::vector<std::string> StopWordLanguages() {
  auto languages = StopWordListLanguages();
  return {languages.begin(), languages.end()};
}

}  // namespace quiver::index::fts
