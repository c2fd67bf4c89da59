// Text analysis for full-text indexes: splitting text into tokens and
// normalising them into index terms (lower case, ASCII folding, stop words,
// Snowball stemming), configured per index with LanceDB's options.
//
//   auto analyzer = Analyzer::Make(options);            // validated
//   std::vector<Token> tokens;
//   (*analyzer)->Analyze("The Wings' flutter", 0, &tokens);
//   // {"wing", 1}, {"flutter", 2}  (English, stemming, stop words)
//
// Each token goes through, in LanceDB's order: drop when longer than
// max_token_length bytes, lower case, stem, then drop stop words and fold to
// ASCII (the lists are kept folded, so those two commute: "für" drops
// "Fur"). A word whose stem is a stop word is dropped ("its" -> "it").
//
// Positions count the tokens of the text before stop-word removal, so a
// phrase query skips over removed words the way it skips over any word.
// Text is Unicode (UTF-8); invalid bytes are treated as separators.
//
// Thread-safety: Analyze is const and safe to call from many threads at once.
// Snowball stemmers are not, so each thread that stems keeps its own stemmer
// and a cache of recent stems (512 KiB) per language until it ends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "quiver/status.h"

namespace quiver::index::fts {

struct AnalyzerOptions {
  // "simple": Unicode word segmentation, splitting on anything that is not a
  //   letter, mark or number (digits, "²"; CJK ideographs are letters, so a
  //   run of them is one token); "whitespace": split on Unicode white space
  //   only; "raw": the whole text is one token; "ngram": character (code
  //   point) n-grams of every "simple" word (lengths ngram_min..ngram_max;
  //   only the word's prefixes when prefix_only), all at the word's
  //   position; a word shorter than ngram_min has none.
  // Stop words and stemming are for words: "raw" values skip both, and
  // "ngram" drops stop words before cutting words up but stems nothing.
  // max_token_length, lower case and folding apply to the word (or value).
  std::string tokenizer = "simple";
  int ngram_min = 3;
  int ngram_max = 3;
  bool prefix_only = false;
  // A Snowball language name as Debian's libstemmer knows it ("english",
  // "french", "german", ...; case-insensitive; "English" works). Every
  // such language has a stemmer; StopWordLanguages() have stop words.
  std::string language = "english";
  bool lower_case = true;
  bool ascii_folding = true;      // "café" -> "cafe", "Straße" -> "strasse"
  bool remove_stop_words = true;  // the language's stop-word list
  bool stem = true;               // the language's Snowball stemmer
  // Tokens longer than this many bytes are dropped (0: no limit).
  int max_token_length = 40;

  // InvalidArgument naming the option: an unknown tokenizer or language, n-gram
  // lengths out of order, stop words for a language without a list...
  Status Validate() const;
  // An object with one key per field, named as the field.
  nlohmann::json ToJson() const;
  // Missing keys take the defaults above; InvalidArgument on wrong types
  // and on unknown keys (a misspelt option must not become its default).
  // Does not Validate.
  static Result<AnalyzerOptions> FromJson(const nlohmann::json& json);
};

struct Token {
  std::string text;
  uint32_t position = 0;  // first_position + index of the token in the text
};

class Analyzer {
 public:
  // InvalidArgument when options.Validate() fails.
  static Result<std::unique_ptr<Analyzer>> Make(const AnalyzerOptions& options);
  ~Analyzer();

  // The options given to Make, with the language in lower case.
  const AnalyzerOptions& options() const { return options_; }

  // Appends the terms of `text` to `out`; positions start at first_position.
  // Returns the position after the last token (first_position plus the
  // number of tokens before stop-word removal), so that several values of
  // one row (a list of strings) can be analyzed one after another.
  uint32_t Analyze(std::string_view text, uint32_t first_position, std::vector<Token>* out) const;

  // The tokenizer alone, for callers that apply the filters once per
  // distinct word with NormalizeTerm and remember the result (index builds):
  // calls word(context, token, position) for every token before any filter,
  // and returns the position after the last one, as Analyze does. Only for
  // the word tokenizers ("simple", "whitespace"; see word_tokenizer()); the
  // others must go through Analyze.
  using WordFn = void (*)(void* context, std::string_view token, uint32_t position);
  uint32_t Tokenize(std::string_view text, uint32_t first_position, WordFn word, void* context) const;
  bool word_tokenizer() const;

  // One query word normalised as an index term would be (the same filters,
  // no tokenizing); empty when it is a stop word or too long. Used for fuzzy
  // and prefix terms, and with Tokenize. With "ngram" this is the whole word, not its n-grams.
  std::string NormalizeTerm(std::string_view word) const;

 private:
  explicit Analyzer(AnalyzerOptions options);
  struct Impl;
  AnalyzerOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Languages with a Snowball stemmer ("english", "french", ...), as
// libstemmer lists them (canonical names, sorted).
std::vector<std::string> StemmerLanguages();
// Languages with a stop-word list, sorted.
std::vector<std::string> StopWordLanguages();

}  // namespace quiver::index::fts
