// What the full-text analyzer turns text into: each tokenizer, Unicode
// letters and folding, positions around removed words, stop words and
// stems per language, bad input, options as JSON, and many threads at once.
#include "index/fts/analyzer.h"

#include <gtest/gtest.h>
#include <libstemmer.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "index/fts/stop_words.h"

namespace quiver::index::fts {
namespace {

std::unique_ptr<Analyzer> MakeOrDie(const AnalyzerOptions& options) {
  auto analyzer = Analyzer::Make(options);
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  return analyzer.ok() ? std::move(analyzer).value() : nullptr;
}

std::vector<Token> Analyze(const AnalyzerOptions& options, std::string_view text) {
  std::vector<Token> tokens;
  if (auto analyzer = MakeOrDie(options)) analyzer->Analyze(text, 0, &tokens);
  return tokens;
}

std::vector<std::string> Terms(const AnalyzerOptions& options, std::string_view text) {
  std::vector<std::string> terms;
  for (Token& t : Analyze(options, text)) terms.push_back(std::move(t.text));
  return terms;
}

std::vector<uint32_t> Positions(const std::vector<Token>& tokens) {
  std::vector<uint32_t> positions;
  for (const Token& t : tokens) positions.push_back(t.position);
  return positions;
}

// Only tokenizing: no case, folding, stop words or stems.
AnalyzerOptions Plain(std::string tokenizer = "simple") {
  AnalyzerOptions o;
  o.tokenizer = std::move(tokenizer);
  o.lower_case = false;
  o.ascii_folding = false;
  o.remove_stop_words = false;
  o.stem = false;
  o.max_token_length = 0;
  return o;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

using Strings = std::vector<std::string>;

TEST(AnalyzerTest, SimpleSplitsOnAnythingButLettersMarksAndNumbers) {
  EXPECT_EQ(Terms(Plain(), "Hello, world! It's 2024: x-ray_vision\tok\n"),
            (Strings{"Hello", "world", "It", "s", "2024", "x", "ray", "vision", "ok"}));
  EXPECT_EQ(Terms(Plain(), ""), Strings{});
  EXPECT_EQ(Terms(Plain(), " ,.;!? "), Strings{});
  // Unicode punctuation and spaces separate too; numbers other than digits
  // stay in the word.
  EXPECT_EQ(Terms(Plain(), "«bonjour»\u00a0m²\u2014fin\u3002終わり"),
            (Strings{"bonjour", "m²", "fin", "終わり"}));
}

TEST(AnalyzerTest, SimpleKeepsUnicodeWordsWhole) {
  // CJK ideographs and kana are letters: a run of them is one token.
  EXPECT_EQ(Terms(Plain(), "Ünïcödé naïve café Straße ΑΘΗΝΑ Москва 東京"),
            (Strings{"Ünïcödé", "naïve", "café", "Straße", "ΑΘΗΝΑ", "Москва", "東京"}));
  EXPECT_EQ(Terms(Plain(), "東京タワーabc"), Strings{"東京タワーabc"});
  // A combining accent is a mark and stays inside the word; so do
  // Devanagari vowel signs.
  EXPECT_EQ(Terms(Plain(), "cafe\u0301 नमस्ते"), (Strings{"cafe\u0301", "नमस्ते"}));
}

TEST(AnalyzerTest, LowerCaseAndFoldingHandleUnicode) {
  AnalyzerOptions o = Plain();
  o.lower_case = true;
  EXPECT_EQ(Terms(o, "Ünïcödé naïve café Straße ΑΘΗΝΑ Москва 東京"),
            (Strings{"ünïcödé", "naïve", "café", "straße", "αθηνα", "москва", "東京"}));
  o.ascii_folding = true;
  EXPECT_EQ(Terms(o, "Ünïcödé naïve café Straße ΑΘΗΝΑ Москва 東京"),
            (Strings{"unicode", "naive", "cafe", "strasse", "αθηνα", "москва", "東京"}));
  // Letters that do not decompose, ligatures, compatibility forms and a
  // decomposed accent.
  EXPECT_EQ(Terms(o, "Æsir Œuvre Øre Łódź Þór Đorđe ﬁne ＡＢＣ m² cafe\u0301"),
            (Strings{"aesir", "oeuvre", "ore", "lodz", "thor", "dorde", "fine", "abc", "m2", "cafe"}));
  // Folding is to ASCII only: letters of other scripts stay as they are,
  // accents and all, and so do vowel signs after non-ASCII letters.
  EXPECT_EQ(Terms(o, "йод Ёлка ά नमस्ते"), (Strings{"йод", "ёлка", "ά", "नमस्ते"}));

  // Folding without lower case keeps the case of what it folds.
  AnalyzerOptions fold_only = Plain();
  fold_only.ascii_folding = true;
  EXPECT_EQ(Terms(fold_only, "Ærø STRAẞE Éclair"), (Strings{"AEro", "STRASSE", "Eclair"}));
}

TEST(AnalyzerTest, WhitespaceSplitsOnUnicodeWhiteSpaceOnly) {
  AnalyzerOptions o = Plain("whitespace");
  EXPECT_EQ(Terms(o, "Hello, world!\u00a0don't\u3000x-ray\u2028end\t \n"),
            (Strings{"Hello,", "world!", "don't", "x-ray", "end"}));
  o.lower_case = true;
  o.ascii_folding = true;
  EXPECT_EQ(Terms(o, "Café’s «Crème»"), (Strings{"cafe's", "\"creme\""}));
}

TEST(AnalyzerTest, RawKeepsTheWholeValue) {
  AnalyzerOptions o = Plain("raw");
  std::vector<Token> tokens = Analyze(o, "New York  City!");
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].text, "New York  City!");
  EXPECT_EQ(tokens[0].position, 0u);
  EXPECT_EQ(Terms(o, ""), Strings{});

  // Lower case and folding still apply; stop words and stems do not (a
  // value is not a word).
  AnalyzerOptions d;
  d.tokenizer = "raw";
  EXPECT_EQ(Terms(d, "Crème Brûlée Running"), Strings{"creme brulee running"});
  EXPECT_EQ(Terms(d, "The"), Strings{"the"});
  // And so does the length limit, on the whole value.
  d.max_token_length = 10;
  EXPECT_EQ(Terms(d, "0123456789"), Strings{"0123456789"});
  EXPECT_EQ(Terms(d, "0123456789a"), Strings{});
}

TEST(AnalyzerTest, NgramsAreCodePointsOfEachWordAtItsPosition) {
  AnalyzerOptions o = Plain("ngram");
  o.ngram_min = 2;
  o.ngram_max = 3;
  std::vector<Token> tokens = Analyze(o, "wörld, ab x");
  EXPECT_EQ(Terms(o, "wörld, ab x"), (Strings{"wö", "wör", "ör", "örl", "rl", "rld", "ld", "ab"}));
  // Every n-gram of a word shares its position; "x" is too short for any
  // but still takes position 2.
  EXPECT_EQ(Positions(tokens), (std::vector<uint32_t>{0, 0, 0, 0, 0, 0, 0, 1}));
  auto analyzer = MakeOrDie(o);
  std::vector<Token> out;
  EXPECT_EQ(analyzer->Analyze("wörld, ab x", 0, &out), 3u);

  // CJK: characters, not bytes.
  o.ngram_min = o.ngram_max = 2;
  EXPECT_EQ(Terms(o, "東京タワー"), (Strings{"東京", "京タ", "タワ", "ワー"}));
}

TEST(AnalyzerTest, NgramPrefixOnlyAndFilters) {
  AnalyzerOptions o = Plain("ngram");
  o.ngram_min = 1;
  o.ngram_max = 4;
  o.prefix_only = true;
  EXPECT_EQ(Terms(o, "Hello ab"), (Strings{"H", "He", "Hel", "Hell", "a", "ab"}));

  // With the defaults (3..3): the word is lower-cased and folded before it
  // is cut, a stop word gives no n-grams, and n-grams are not stemmed.
  AnalyzerOptions d;
  d.tokenizer = "ngram";
  std::vector<Token> tokens = Analyze(d, "The CAFÉS running");
  EXPECT_EQ(Terms(d, "The CAFÉS running"), (Strings{"caf", "afe", "fes", "run", "unn", "nni", "nin", "ing"}));
  EXPECT_EQ(Positions(tokens), (std::vector<uint32_t>{1, 1, 1, 2, 2, 2, 2, 2}));
}

TEST(AnalyzerTest, PositionsCountRemovedStopWords) {
  AnalyzerOptions o;  // English, stop words, stems
  auto analyzer = MakeOrDie(o);
  std::vector<Token> tokens;
  uint32_t end = analyzer->Analyze("The quick brown fox jumps over the lazy dog", 100, &tokens);
  EXPECT_EQ(end, 109u);
  std::vector<std::string> terms;
  for (const Token& t : tokens) terms.push_back(t.text);
  EXPECT_EQ(terms, (Strings{"quick", "brown", "fox", "jump", "lazi", "dog"}));  // "over" is a stop word
  EXPECT_EQ(Positions(tokens), (std::vector<uint32_t>{101, 102, 103, 104, 107, 108}));

  // Values of one row follow each other: the next starts where the last
  // ended, and appends.
  end = analyzer->Analyze("is it the", end, &tokens);
  EXPECT_EQ(end, 112u);
  EXPECT_EQ(tokens.size(), 6u);
  end = analyzer->Analyze("wings", end, &tokens);
  EXPECT_EQ(end, 113u);
  ASSERT_EQ(tokens.size(), 7u);
  EXPECT_EQ(tokens.back().text, "wing");
  EXPECT_EQ(tokens.back().position, 112u);

  // The header's example.
  tokens.clear();
  analyzer->Analyze("The Wings' flutter", 0, &tokens);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].text, "wing");
  EXPECT_EQ(tokens[0].position, 1u);
  EXPECT_EQ(tokens[1].text, "flutter");
  EXPECT_EQ(tokens[1].position, 2u);
}

TEST(AnalyzerTest, MaxTokenLengthDropsLongerTokensInBytes) {
  AnalyzerOptions o = Plain();
  o.max_token_length = 5;
  std::vector<Token> tokens = Analyze(o, "abcde abcdef ab éé ééé");
  // "ééé" is 3 characters but 6 bytes; dropped tokens keep their position.
  EXPECT_EQ(Terms(o, "abcde abcdef ab éé ééé"), (Strings{"abcde", "ab", "éé"}));
  EXPECT_EQ(Positions(tokens), (std::vector<uint32_t>{0, 2, 3}));
  // The limit applies to the token as written, before folding makes it
  // longer ("ß" -> "ss").
  o.ascii_folding = true;
  EXPECT_EQ(Terms(o, "ßß ßßß"), Strings{"ssss"});
  o.max_token_length = 0;  // no limit
  EXPECT_EQ(Terms(o, std::string(1000, 'x')), Strings{std::string(1000, 'x')});
  AnalyzerOptions d;  // default: 40
  EXPECT_EQ(Terms(d, std::string(40, 'x') + " " + std::string(41, 'y')), Strings{std::string(40, 'x')});
}

TEST(AnalyzerTest, StemsEnglishWithPorter2) {
  AnalyzerOptions o;
  o.remove_stop_words = false;
  EXPECT_EQ(Terms(o, "running flies happiness generously Wings cats"),
            (Strings{"run", "fli", "happi", "generous", "wing", "cat"}));
  o.stem = false;
  EXPECT_EQ(Terms(o, "running flies"), (Strings{"running", "flies"}));
}

TEST(AnalyzerTest, StemsOtherLanguages) {
  AnalyzerOptions o;
  o.remove_stop_words = false;
  o.language = "german";
  EXPECT_EQ(Terms(o, "Häuser Kinder Katzen"), (Strings{"haus", "kind", "katz"}));
  o.language = "russian";
  EXPECT_EQ(Terms(o, "книги Москва"), (Strings{"книг", "москв"}));
  o.language = "french";
  o.ascii_folding = false;
  EXPECT_EQ(Terms(o, "continuellement chevaux"), (Strings{"continuel", "cheval"}));
  o.language = "spanish";
  EXPECT_EQ(Terms(o, "corriendo canciones"), (Strings{"corr", "cancion"}));
}

// The stem cache must give exactly what the stemmer gives, also when words
// collide in it and when they are too long for it.
TEST(AnalyzerTest, StemsAgreeWithLibstemmerForManyWords) {
  AnalyzerOptions o;
  o.remove_stop_words = false;
  o.max_token_length = 0;
  auto analyzer = MakeOrDie(o);
  sb_stemmer* reference = sb_stemmer_new("english", "UTF_8");
  ASSERT_NE(reference, nullptr);
  std::mt19937_64 rng(7);
  const std::string suffixes[] = {"", "s", "es", "ing", "ed", "ly", "ness", "ational", "ies", "ization"};
  std::vector<std::string> words;
  for (int i = 0; i < 30000; ++i) {
    std::string w;
    size_t len = 1 + rng() % (i % 10 == 0 ? 40 : 8);
    for (size_t k = 0; k < len; ++k) w.push_back(static_cast<char>('a' + rng() % 26));
    words.push_back(w + suffixes[rng() % std::size(suffixes)]);
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& w : words) {
      const sb_symbol* s = sb_stemmer_stem(reference, reinterpret_cast<const sb_symbol*>(w.data()),
                                           static_cast<int>(w.size()));
      std::string expected(reinterpret_cast<const char*>(s), sb_stemmer_length(reference));
      ASSERT_EQ(analyzer->NormalizeTerm(w), expected) << w;
    }
  }
  sb_stemmer_delete(reference);
}

TEST(AnalyzerTest, EnglishStopWordsAreNltksList) {
  auto list = StopWordList("english");
  EXPECT_EQ(list.size(), 179u);  // NLTK's English list, as LanceDB removes
  AnalyzerOptions o;
  o.stem = false;
  for (const char* w : {"the", "what", "who", "have", "can", "will", "just", "now", "very", "s", "t"}) {
    EXPECT_EQ(Terms(o, w), Strings{}) << w;
  }
  // Not on it: ordinary words, and words only Snowball's list has.
  EXPECT_EQ(Terms(o, "wing would could"), (Strings{"wing", "would", "could"}));
  // Stems are checked, as LanceDB does: "its" is dropped, and so is "being" ("be").
  o.stem = true;
  EXPECT_EQ(Terms(o, "its being flutter"), Strings{"flutter"});
}

TEST(AnalyzerTest, EveryStopWordLanguageDropsItsStopWords) {
  // One word per language, written with its accents where it has them.
  const std::pair<std::string, std::string> cases[] = {
      {"english", "the"},  {"danish", "på"},      {"dutch", "niet"},   {"finnish", "että"},
      {"french", "même"},  {"german", "für"},     {"hungarian", "és"}, {"italian", "perché"},
      {"norwegian", "på"}, {"portuguese", "não"}, {"russian", "что"},  {"spanish", "está"},
      {"swedish", "för"},
  };
  Strings languages;
  for (const auto& [language, word] : cases) {
    languages.push_back(language);
    for (bool fold : {true, false}) {
      AnalyzerOptions o;
      o.language = language;
      o.ascii_folding = fold;
      o.stem = false;
      // Matched after lower case (and folding), so capitals do not hide it.
      std::string text = "Kafka " + word + " " + word;
      text[6] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[6])));
      std::vector<Token> tokens = Analyze(o, text);
      ASSERT_EQ(tokens.size(), 1u) << language << " fold=" << fold << ": " << text;
      EXPECT_EQ(tokens[0].text, "kafka");
      o.remove_stop_words = false;
      EXPECT_EQ(Analyze(o, text).size(), 3u) << language;
    }
  }
  std::sort(languages.begin(), languages.end());
  EXPECT_EQ(StopWordLanguages(), languages);
}

TEST(AnalyzerTest, FoldedStopWordsMatchFoldedTokens) {
  AnalyzerOptions o;
  o.language = "German";
  o.stem = false;
  // "daß" folds to "dass", "für" to "fur": both lists' words are folded too.
  EXPECT_EQ(Terms(o, "daß dass für FUR Fürst"), Strings{"furst"});
  o.ascii_folding = false;
  EXPECT_EQ(Terms(o, "daß dass für fur Fürst"), (Strings{"dass", "fur", "fürst"}));
  // Without lower case only lower-case words are stop words, as in tantivy.
  AnalyzerOptions e;
  e.lower_case = false;
  e.stem = false;
  EXPECT_EQ(Terms(e, "The the"), Strings{"The"});
}

TEST(StopWordSetTest, ContainsExactlyItsWords) {
  const std::string_view words[] = {"und", "für", "a", "und", "ill."};
  StopWordSet set(words);
  EXPECT_EQ(set.size(), 4u);
  for (std::string_view w : words) EXPECT_TRUE(set.Contains(w)) << w;
  for (std::string_view w : {"", "un", "unde", "fur", "b", "ill", "A", "undd"}) {
    EXPECT_FALSE(set.Contains(w)) << w;
  }
  for (std::string_view language : StopWordListLanguages()) {
    const StopWordSet* s = StopWords(language);
    ASSERT_NE(s, nullptr) << language;
    for (std::string_view w : StopWordList(language)) EXPECT_TRUE(s->Contains(w)) << language << " " << w;
    EXPECT_FALSE(s->Contains("quiver")) << language;
  }
  EXPECT_EQ(StopWords("klingon"), nullptr);
  EXPECT_TRUE(StopWordList("arabic").empty());
}

TEST(AnalyzerTest, InvalidUtf8IsASeparatorAndNeverCrashes) {
  const std::string bad = std::string("ab\xff") + "cd \xe2\x82 ef\xc3" + "\xc0\xaf" + "gh\xed\xa0\x80ij";
  EXPECT_EQ(Terms(Plain(), bad), (Strings{"ab", "cd", "ef", "gh", "ij"}));
  EXPECT_EQ(Terms(Plain("whitespace"), bad), (Strings{"ab", "cd", "ef", "gh", "ij"}));
  // Beyond U+10FFFF, overlong and surrogate encodings of letters are not
  // letters.
  EXPECT_EQ(Terms(Plain(),
                  "ab\xf4\x90\x80\x80"
                  "cd\xc1\x81"
                  "ef\xe0\x81\x81"
                  "gh"),
            (Strings{"ab", "cd", "ef", "gh"}));
  EXPECT_EQ(Terms(Plain("raw"),
                  "ab\xff"
                  "cd\xf4\x90\x80\x80"),
            Strings{"abcd"});
  EXPECT_EQ(Terms(Plain("raw"), "\xff\xfe"), Strings{});

  // Random bytes through every tokenizer and filter: whatever comes out is
  // valid UTF-8, positions never go backwards.
  std::mt19937_64 rng(11);
  std::vector<std::unique_ptr<Analyzer>> analyzers;
  for (std::string tokenizer : {"simple", "whitespace", "raw", "ngram"}) {
    AnalyzerOptions o;
    o.tokenizer = tokenizer;
    o.max_token_length = 0;
    analyzers.push_back(MakeOrDie(o));
    analyzers.push_back(MakeOrDie(Plain(tokenizer)));
  }
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng() % 64, '\0');
    for (char& c : text) {
      uint64_t r = rng();
      // Mostly bytes that start or continue multi-byte sequences.
      c = static_cast<char>(r % 4 == 0 ? 'a' + r % 26 : 0x80 + (r >> 8) % 128);
    }
    for (const auto& analyzer : analyzers) {
      std::vector<Token> tokens;
      uint32_t end = analyzer->Analyze(text, 5, &tokens);
      uint32_t last = 5;
      for (const Token& t : tokens) {
        EXPECT_TRUE(IsValidUtf8(t.text)) << analyzer->options().tokenizer;
        EXPECT_FALSE(t.text.empty());
        EXPECT_GE(t.position, last);
        EXPECT_LT(t.position, end);
        last = t.position;
      }
      EXPECT_TRUE(IsValidUtf8(analyzer->NormalizeTerm(text)));
    }
  }
}

TEST(AnalyzerTest, NormalizeTermAppliesTheTokenFilters) {
  auto analyzer = MakeOrDie(AnalyzerOptions{});
  EXPECT_EQ(analyzer->NormalizeTerm("Running"), "run");
  EXPECT_EQ(analyzer->NormalizeTerm("CAFÉS"), "cafe");
  EXPECT_EQ(analyzer->NormalizeTerm("The"), "");
  EXPECT_EQ(analyzer->NormalizeTerm(std::string(41, 'x')), "");
  // No tokenizing: punctuation stays.
  EXPECT_EQ(analyzer->NormalizeTerm("x-ray"), "x-ray");

  AnalyzerOptions o;
  o.tokenizer = "ngram";
  EXPECT_EQ(MakeOrDie(o)->NormalizeTerm("Running"), "running");
  EXPECT_EQ(MakeOrDie(Plain())->NormalizeTerm("Running"), "Running");
}

TEST(AnalyzerTest, JsonRoundTrip) {
  AnalyzerOptions o;
  o.tokenizer = "ngram";
  o.ngram_min = 2;
  o.ngram_max = 5;
  o.prefix_only = true;
  o.language = "french";
  o.lower_case = false;
  o.ascii_folding = false;
  o.remove_stop_words = false;
  o.stem = false;
  o.max_token_length = 17;
  nlohmann::json json = o.ToJson();
  EXPECT_EQ(json["tokenizer"], "ngram");
  EXPECT_EQ(json["ngram_max"], 5);
  auto back = AnalyzerOptions::FromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), json);
  EXPECT_EQ(back->tokenizer, "ngram");
  EXPECT_EQ(back->ngram_min, 2);
  EXPECT_EQ(back->ngram_max, 5);
  EXPECT_TRUE(back->prefix_only);
  EXPECT_EQ(back->language, "french");
  EXPECT_FALSE(back->lower_case);
  EXPECT_FALSE(back->ascii_folding);
  EXPECT_FALSE(back->remove_stop_words);
  EXPECT_FALSE(back->stem);
  EXPECT_EQ(back->max_token_length, 17);

  // Missing keys take the defaults.
  auto partial = AnalyzerOptions::FromJson(nlohmann::json{{"language", "german"}});
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->language, "german");
  EXPECT_EQ(partial->ToJson().dump(), [] {
    AnalyzerOptions d;
    d.language = "german";
    return d.ToJson().dump();
  }());
  EXPECT_TRUE(AnalyzerOptions::FromJson(nlohmann::json::object()).ok());
}

TEST(AnalyzerTest, FromJsonRejectsWrongTypesAndUnknownKeys) {
  auto expect_error = [](const nlohmann::json& json, const std::string& needle) {
    auto r = AnalyzerOptions::FromJson(json);
    ASSERT_FALSE(r.ok()) << json.dump();
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
  };
  expect_error(nlohmann::json{{"tokenizer", 3}}, "tokenizer");
  expect_error(nlohmann::json{{"stem", "yes"}}, "stem");
  expect_error(nlohmann::json{{"ngram_min", 2.5}}, "ngram_min");
  expect_error(nlohmann::json{{"max_token_length", 1ull << 40}}, "max_token_length");
  expect_error(nlohmann::json{{"lowercase", true}}, "lowercase");
  expect_error(nlohmann::json::array(), "object");
}

TEST(AnalyzerTest, ValidateNamesTheOptionAndValue) {
  auto expect_error = [](const AnalyzerOptions& o, std::vector<std::string> needles) {
    Status st = o.Validate();
    ASSERT_TRUE(st.IsInvalidArgument()) << st.ToString();
    for (const std::string& needle : needles) {
      EXPECT_NE(st.message().find(needle), std::string::npos) << st.message() << " lacks " << needle;
    }
    EXPECT_FALSE(Analyzer::Make(o).ok());
  };
  AnalyzerOptions o;
  o.tokenizer = "icu";
  expect_error(o, {"tokenizer", "icu", "simple"});
  o = {};
  o.language = "klingon";
  expect_error(o, {"language", "klingon", "english", "french"});
  o = {};
  o.ngram_min = 0;
  expect_error(o, {"ngram_min", "0"});
  o = {};
  o.ngram_min = 4;
  o.ngram_max = 3;
  expect_error(o, {"ngram_min", "ngram_max", "4", "3"});
  o = {};
  o.max_token_length = -1;
  expect_error(o, {"max_token_length", "-1"});
  o = {};
  o.language = "arabic";  // a stemmer but no stop-word list
  expect_error(o, {"remove_stop_words", "arabic"});
  o.remove_stop_words = false;
  EXPECT_TRUE(o.Validate().ok());
  EXPECT_EQ(Terms(o, "الكتاب").size(), 1u);
  EXPECT_TRUE(AnalyzerOptions{}.Validate().ok());
}

TEST(AnalyzerTest, LanguageNamesAreCaseInsensitive) {
  AnalyzerOptions o;
  o.language = "English";
  auto analyzer = MakeOrDie(o);
  EXPECT_EQ(analyzer->options().language, "english");
  o.language = "GERMAN";
  EXPECT_EQ(Terms(o, "Die Häuser"), Strings{"haus"});
}

TEST(AnalyzerTest, LanguageLists) {
  Strings stemmers = StemmerLanguages();
  EXPECT_TRUE(std::is_sorted(stemmers.begin(), stemmers.end()));
  EXPECT_EQ(std::adjacent_find(stemmers.begin(), stemmers.end()), stemmers.end());
  for (const std::string& l : StopWordLanguages()) {
    EXPECT_TRUE(std::binary_search(stemmers.begin(), stemmers.end(), l)) << l;
  }
  // Every stemmer language works with stemming on.
  for (const std::string& l : stemmers) {
    AnalyzerOptions o;
    o.language = l;
    o.remove_stop_words = false;
    EXPECT_TRUE(Analyzer::Make(o).ok()) << l;
  }
}

TEST(AnalyzerTest, ConcurrentAnalyzeMatchesOneThread) {
  // Several analyzers (languages, tokenizers) shared by 8 threads, each
  // thread going through the texts in its own order.
  std::vector<std::unique_ptr<Analyzer>> analyzers;
  for (std::string language : {"english", "german", "russian", "french"}) {
    AnalyzerOptions o;
    o.language = language;
    analyzers.push_back(MakeOrDie(o));
  }
  AnalyzerOptions ngram;
  ngram.tokenizer = "ngram";
  analyzers.push_back(MakeOrDie(ngram));

  std::mt19937_64 rng(3);
  const Strings vocabulary = {"running", "Häuser", "книги", "chevaux",  "the",    "東京",  "café",
                              "flies",   "über",   "и",     "généreux", "Straße", "x-ray", "2024"};
  Strings texts;
  for (int i = 0; i < 400; ++i) {
    std::string text;
    for (int k = 0; k < 30; ++k) text += vocabulary[rng() % vocabulary.size()] + (rng() % 5 ? " " : ", ");
    // Many distinct words, so the threads' stem caches churn.
    text += "w" + std::to_string(i) + "ings";
    texts.push_back(text);
  }
  auto run = [&](size_t order) {
    std::vector<std::vector<Token>> results(analyzers.size() * texts.size());
    for (size_t k = 0; k < results.size(); ++k) {
      size_t j = (k * 7919 + order * 104729) % results.size();
      analyzers[j % analyzers.size()]->Analyze(texts[j / analyzers.size()], 0, &results[j]);
    }
    return results;
  };
  const auto expected = run(0);
  constexpr int kThreads = 8;
  std::vector<std::vector<std::vector<Token>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&, t] { got[t] = run(t + 1); });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), expected.size());
    for (size_t j = 0; j < expected.size(); ++j) {
      ASSERT_EQ(got[t][j].size(), expected[j].size()) << "thread " << t << " item " << j;
      for (size_t k = 0; k < expected[j].size(); ++k) {
        EXPECT_EQ(got[t][j][k].text, expected[j][k].text);
        EXPECT_EQ(got[t][j][k].position, expected[j][k].position);
      }
    }
  }
}

}  // namespace
}  // namespace quiver::index::fts
