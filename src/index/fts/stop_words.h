// Stop words: the short, frequent words (articles, pronouns, auxiliaries)
// a full-text index leaves out, one list per language.
//
// English is NLTK's list (the one LanceDB uses); the other
// languages are the Snowball project's lists. Words are lower case UTF-8,
// with their accents ("für", "på"); an analyzer that folds accents away
// builds a StopWordSet of the folded words itself.
//
// Thread-safety: the lists and the sets StopWords returns are immutable and
// shared; a StopWordSet is safe to read from many threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quiver::index::fts {

// A fixed set of words with a lookup that costs one hash and, for most
// words that are not in the set, no string comparison.
class StopWordSet {
 public:
  // Duplicates are kept once.
  explicit StopWordSet(std::span<const std::string> words);
  explicit StopWordSet(std::span<const std::string_view> words);

  bool Contains(std::string_view word) const;
  size_t size() const { return words_.size(); }

 private:
  void Insert(std::string_view word);
  void Build();

  std::vector<std::string> words_;
  // Open addressing: index into words_ + 1, or 0 for an empty slot. The
  // size is a power of two at least twice the number of words.
  std::vector<uint32_t> slots_;
  uint64_t mask_ = 0;
  // Bit n set when some word is n bytes long (bit 63: 63 or more), so most
  // words are rejected before hashing.
  uint64_t lengths_ = 0;
};

// The stop-word list of `language` (a canonical lower-case name such as
// "english"), or an empty span when there is none.
std::span<const std::string_view> StopWordList(std::string_view language);

// The set of StopWordList(language), built on first use and kept for the
// life of the program; null when the language has no list.
const StopWordSet* StopWords(std::string_view language);

// The languages with a list, sorted.
std::span<const std::string_view> StopWordListLanguages();

}  // namespace quiver::index::fts
