// Posting lists, segments, the index file and BM25 search, checked against
// a brute-force scorer over random corpora.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "common/thread_pool.h"
#include "index/fts/fts_index.h"
#include "index/fts/postings.h"
#include "index/fts/search.h"
#include "index/fts/segment.h"
#include "io/memory_store.h"
#include "quiver/builder.h"

namespace quiver::index::fts {
namespace {

TEST(PostingsTest, RoundTripWithSkipsAndPositions) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const uint32_t num_docs = 1 + rng() % 5000;
    std::vector<uint32_t> docs, tfs, positions, lengths(num_docs);
    for (uint32_t d = 0; d < num_docs; ++d) {
      lengths[d] = 1 + rng() % 50;
      if (rng() % 3 != 0) continue;
      docs.push_back(d);
      const uint32_t tf = 1 + rng() % 4;
      tfs.push_back(tf);
      uint32_t p = 0;
      for (uint32_t t = 0; t < tf; ++t) positions.push_back(p += 1 + rng() % 9);
    }
    if (docs.empty()) continue;
    std::string bytes, pos_bytes;
    EncodePostings(docs, tfs, positions, lengths, &bytes, &pos_bytes);
    auto list = PostingList::Parse(bytes, pos_bytes, static_cast<uint32_t>(docs.size()));
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    for (const SkipEntry& e : list->skips()) EXPECT_GE(e.max_tf, 1u);
    // Walk every document with its positions.
    PostingCursor cursor(&*list);
    size_t pos = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
      ASSERT_EQ(cursor.doc(), docs[i]);
      ASSERT_EQ(cursor.tf(), tfs[i]);
      auto got = cursor.Positions();
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(std::vector<uint32_t>(got->begin(), got->end()),
                std::vector<uint32_t>(positions.begin() + pos, positions.begin() + pos + tfs[i]));
      pos += tfs[i];
      cursor.Next();
    }
    EXPECT_EQ(cursor.doc(), kNoDoc);
    // Advance to random targets lands on the first document at or after.
    PostingCursor jumper(&*list);
    uint32_t target = 0;
    while (true) {
      target += 1 + rng() % 300;
      const uint32_t got = jumper.Advance(target);
      auto it = std::lower_bound(docs.begin(), docs.end(), target);
      ASSERT_EQ(got, it == docs.end() ? kNoDoc : *it) << "target " << target;
      if (got == kNoDoc) break;
      // Positions after a jump are still right.
      auto p = jumper.Positions();
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(p->size(), jumper.tf());
    }
    EXPECT_TRUE(jumper.status().ok());
  }
}

TEST(PostingsTest, MalformedBytesAreCorruptionNotCrashes) {
  std::vector<uint32_t> docs, tfs, lengths(1000, 5);
  for (uint32_t d = 0; d < 1000; d += 3) {
    docs.push_back(d);
    tfs.push_back(1 + d % 3);
  }
  std::string bytes, pos;
  EncodePostings(docs, tfs, {}, lengths, &bytes, &pos);
  EXPECT_FALSE(PostingList::Parse(bytes, "", static_cast<uint32_t>(docs.size()) + 200).ok());
  EXPECT_FALSE(
      PostingList::Parse(bytes.substr(0, bytes.size() - 1), "", static_cast<uint32_t>(docs.size())).ok());
  // Flip each byte of the block area: parse or walk reports, never crashes.
  int reported = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x5a;
    auto list = PostingList::Parse(bad, "", static_cast<uint32_t>(docs.size()));
    if (!list.ok()) {
      ++reported;
      continue;
    }
    PostingCursor c(&*list);
    size_t n = 0;
    uint32_t last = 0;
    for (uint32_t d = c.doc(); d != kNoDoc && n < 10000; d = c.Next(), ++n) {
      if (n > 0) {
        EXPECT_GT(d, last);
      }
      last = d;
    }
    if (!c.status().ok()) ++reported;
  }
  EXPECT_GT(reported, 0);
}

TEST(EditDistanceTest, CountsCodePoints) {
  EXPECT_EQ(BoundedEditDistance("wing", "wing", 2), 0);
  EXPECT_EQ(BoundedEditDistance("wing", "wings", 2), 1);
  EXPECT_EQ(BoundedEditDistance("wing", "king", 2), 1);
  EXPECT_EQ(BoundedEditDistance("flutter", "fluter", 2), 1);
  EXPECT_EQ(BoundedEditDistance("abc", "xyz", 2), 3);  // over the bound: max + 1
  EXPECT_EQ(BoundedEditDistance("café", "cafe", 2), 1);
  EXPECT_EQ(BoundedEditDistance("日本", "日本語", 1), 1);
  EXPECT_EQ(BoundedEditDistance("", "ab", 2), 2);
}

// ---------------------------------------------------------------------------
// A random corpus and a brute-force BM25.

struct Corpus {
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> tokens;
};

Corpus MakeCorpus(int docs, int vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  // Zipf-like: word i with weight 1 / (i + 1).
  std::vector<double> weights(vocab);
  for (int i = 0; i < vocab; ++i) weights[i] = 1.0 / (i + 1);
  std::discrete_distribution<int> word(weights.begin(), weights.end());
  Corpus c;
  for (int d = 0; d < docs; ++d) {
    const int n = rng() % 25;  // some documents are empty
    std::string text;
    std::vector<std::string> toks;
    for (int i = 0; i < n; ++i) {
      std::string w = "w" + std::to_string(word(rng));
      text += (i ? " " : "") + w;
      toks.push_back(w);
    }
    c.texts.push_back(text);
    c.tokens.push_back(toks);
  }
  return c;
}

AnalyzerOptions PlainOptions() {
  AnalyzerOptions o;
  o.tokenizer = "whitespace";
  o.stem = false;
  o.remove_stop_words = false;
  return o;
}

ArrayPtr TextArray(const std::vector<std::string>& texts, size_t begin, size_t end) {
  auto b = ArrayBuilder::Make(utf8());
  for (size_t i = begin; i < end; ++i) EXPECT_TRUE(b->AppendString(texts[i]).ok());
  return b->Finish();
}

struct Brute {
  const Corpus& c;
  std::vector<size_t> docs;  // which corpus documents are searched (row id = index)
  double avg = 1;
  float k1 = 1.2f, b = 0.75f;
  Brute(const Corpus& corpus, std::vector<size_t> d) : c(corpus), docs(std::move(d)) {
    double total = 0;
    for (size_t i : docs) total += static_cast<double>(c.tokens[i].size());
    avg = total > 0 ? total / static_cast<double>(docs.size()) : 1;
  }
  uint64_t Df(const std::string& t) const {
    uint64_t df = 0;
    for (size_t i : docs) df += std::count(c.tokens[i].begin(), c.tokens[i].end(), t) > 0;
    return df;
  }
  float Idf(const std::string& t) const {
    auto it = idf_cache.find(t);
    if (it != idf_cache.end()) return it->second;
    const double n = static_cast<double>(docs.size()), d = static_cast<double>(Df(t));
    const float idf = static_cast<float>(std::log(1.0 + (n - d + 0.5) / (d + 0.5)));
    idf_cache.emplace(t, idf);
    return idf;
  }
  mutable std::map<std::string, float> idf_cache;
  float TermScore(size_t doc, const std::string& t, float idf, float tf) const {
    const double len = static_cast<double>(c.tokens[doc].size());
    return static_cast<float>(idf * (k1 + 1) * tf / (tf + k1 * (1 - b + b * len / avg)));
  }
  // OR (min_match) or AND over terms; returns (row, score) of matches.
  std::vector<TextHit> Match(const std::vector<std::string>& terms, bool all, size_t min_match = 1) const {
    std::vector<TextHit> out;
    for (size_t i : docs) {
      float s = 0;
      size_t matched = 0;
      for (const std::string& t : terms) {
        const float tf = static_cast<float>(std::count(c.tokens[i].begin(), c.tokens[i].end(), t));
        if (tf > 0) {
          ++matched;
          s += TermScore(i, t, Idf(t), tf);
        }
      }
      if (all ? matched == terms.size() : matched >= min_match) out.push_back({i, s});
    }
    return out;
  }
  std::vector<TextHit> Phrase(const std::vector<std::string>& terms) const {
    std::vector<TextHit> out;
    float idf = 0;
    for (const std::string& t : terms) idf += Idf(t);
    for (size_t i : docs) {
      const auto& toks = c.tokens[i];
      float freq = 0;
      for (size_t p = 0; p + terms.size() <= toks.size(); ++p) {
        bool ok = true;
        for (size_t j = 0; j < terms.size() && ok; ++j) ok = toks[p + j] == terms[j];
        freq += ok;
      }
      if (freq > 0) out.push_back({i, TermScore(i, "", idf, freq)});
    }
    return out;
  }
};

std::vector<TextHit> Top(std::vector<TextHit> hits, size_t k) {
  std::sort(hits.begin(), hits.end());
  if (hits.size() > k) hits.resize(k);
  return hits;
}

// Same rows in the same order, scores within float tolerance; rows whose
// scores tie may come in either order.
void ExpectSameHits(const std::vector<TextHit>& got, const std::vector<TextHit>& want,
                    const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].score, want[i].score, 1e-4 * std::max(1.0f, want[i].score)) << what << " rank " << i;
    if (std::abs(got[i].score - want[i].score) > 1e-3f) continue;
    const bool tie = (i > 0 && std::abs(want[i - 1].score - want[i].score) < 1e-4f) ||
                     (i + 1 < want.size() && std::abs(want[i + 1].score - want[i].score) < 1e-4f);
    if (!tie) {
      EXPECT_EQ(got[i].row_id, want[i].row_id) << what << " rank " << i;
    }
  }
}

class FtsSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = MakeCorpus(3000, 300, 11);
    auto analyzer = Analyzer::Make(PlainOptions());
    ASSERT_TRUE(analyzer.ok());
    analyzer_ = std::move(*analyzer);
  }

  // The corpus rows [begin, end) as a segment (row id = corpus index).
  std::shared_ptr<MemorySegment> Segment(size_t begin, size_t end, bool positions = true) {
    SegmentBuilder builder(analyzer_.get(), positions, DefaultThreadPool());
    std::vector<uint64_t> ids;
    for (size_t i = begin; i < end; ++i) ids.push_back(i);
    EXPECT_TRUE(builder.AddBatch(*TextArray(corpus_.texts, begin, end), ids).ok());
    return builder.Finish();
  }

  ColumnSource Source(std::vector<const index::fts::Segment*> segments) {
    ColumnSource s;
    s.column = "text";
    s.analyzer = analyzer_.get();
    s.segments = std::move(segments);
    s.allowed.resize(s.segments.size(), nullptr);
    return s;
  }

  std::vector<TextHit> Search(const FtsQuery& q, const std::vector<ColumnSource>& sources, int64_t k,
                              TextSearchStats* stats = nullptr) {
    auto hits = SearchText(q, sources, k, {}, stats);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<TextHit>();
  }

  Corpus corpus_;
  std::unique_ptr<Analyzer> analyzer_;
};

TEST_F(FtsSearchTest, MatchesBruteForceBm25) {
  auto seg = Segment(0, corpus_.texts.size());
  std::vector<size_t> all(corpus_.texts.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Brute brute(corpus_, all);
  const std::vector<ColumnSource> sources = {Source({seg.get()})};
  std::mt19937 rng(3);
  for (int q = 0; q < 60; ++q) {
    const int n = 1 + q % 3;
    std::vector<std::string> terms;
    std::string text;
    for (int i = 0; i < n; ++i) {
      terms.push_back("w" + std::to_string(rng() % (q < 30 ? 20 : 300)));  // common and rare terms
      text += (i ? " " : "") + terms.back();
    }
    for (size_t k : {1, 10, 100}) {
      TextSearchStats stats;
      ExpectSameHits(Search(*FtsQuery::Match(text), sources, k, &stats), Top(brute.Match(terms, false), k),
                     "OR " + text);
      EXPECT_TRUE(stats.pruned);
      ExpectSameHits(Search(*FtsQuery::Match(text, "", true), sources, k), Top(brute.Match(terms, true), k),
                     "AND " + text);
      if (n > 1) {
        auto msm = std::make_shared<FtsQuery>(*FtsQuery::Match(text));
        msm->minimum_should_match = 2;
        ExpectSameHits(Search(*msm, sources, k), Top(brute.Match(terms, false, 2), k), "msm2 " + text);
        ExpectSameHits(Search(*FtsQuery::Phrase(text), sources, k), Top(brute.Phrase(terms), k),
                       "phrase " + text);
      }
    }
  }
}

TEST_F(FtsSearchTest, PruningSkipsWorkOnCommonTerms) {
  auto seg = Segment(0, corpus_.texts.size());
  const std::vector<ColumnSource> sources = {Source({seg.get()})};
  for (const char* text : {"w0 w40", "w0", "w1 w2 w60"}) {
    TextSearchStats pruned, full;
    Search(*FtsQuery::Match(text), sources, 10, &pruned);
    Search(*FtsQuery::Match(text), sources, 100000, &full);
    std::cerr << text << ": scored " << pruned.postings_scored << " of " << full.postings_scored
              << ", skipped " << pruned.blocks_skipped << " blocks\n";
    // Two or more terms: MaxScore leaves most postings of the common term unscored.
    if (std::string(text).find(' ') != std::string::npos) {
      EXPECT_LT(pruned.postings_scored * 3, full.postings_scored) << text;
    } else {
      EXPECT_LE(pruned.postings_scored, full.postings_scored) << text;
    }
  }
}

TEST_F(FtsSearchTest, ScoresAgreeAcrossSegmentsAndFiles) {
  // The whole corpus as one segment vs. an index file of the first 2000
  // rows plus an in-memory segment of the rest.
  auto whole = Segment(0, corpus_.texts.size());
  auto first = Segment(0, 2000);
  auto rest = Segment(2000, corpus_.texts.size());
  auto store = std::make_shared<MemoryObjectStore>();
  auto meta = WriteFtsIndex(*first, analyzer_->options(), *store, "idx/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto reader = FtsIndexReader::Open(store, "idx/", *meta);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->num_docs(), 2000u);
  EXPECT_EQ((*reader)->total_length(), first->total_length());
  const std::vector<ColumnSource> one = {Source({whole.get()})};
  const std::vector<ColumnSource> two = {Source({reader->get(), rest.get()})};
  for (const char* text : {"w3", "w5 w17", "w2 w40 w7", "w120"}) {
    ExpectSameHits(Search(*FtsQuery::Match(text), two, 20), Search(*FtsQuery::Match(text), one, 20), text);
    ExpectSameHits(Search(*FtsQuery::Phrase(text), two, 20), Search(*FtsQuery::Phrase(text), one, 20), text);
  }
  // A flipped byte anywhere in the file: Corruption on open or search, never a crash.
  auto bytes = store->Read("idx/index.fts");
  ASSERT_TRUE(bytes.ok());
  const std::string original((*bytes)->view());
  int reported = 0;
  for (size_t i = 0; i < original.size(); i += std::max<size_t>(1, original.size() / 300)) {
    std::string bad = original;
    bad[i] ^= 0x20;
    ASSERT_TRUE(store->Put("bad/index.fts", bad).ok());
    auto r = FtsIndexReader::Open(store, "bad/", *meta);
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsCorruption() || r.status().IsNotSupported()) << r.status().ToString();
      ++reported;
      continue;
    }
    std::vector<ColumnSource> s = {Source({r->get()})};
    auto hits = SearchText(*FtsQuery::Match("w1 w2 w3 w50 w100"), s, 10, {});
    if (!hits.ok()) {
      EXPECT_TRUE(hits.status().IsCorruption()) << hits.status().ToString();
      ++reported;
    }
  }
  EXPECT_GT(reported, 0);
}

TEST_F(FtsSearchTest, BooleanFuzzyBoostAndFilters) {
  auto seg = Segment(0, corpus_.texts.size());
  std::vector<size_t> all(corpus_.texts.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Brute brute(corpus_, all);
  const std::vector<ColumnSource> sources = {Source({seg.get()})};
  auto has = [&](size_t doc, const std::string& t) {
    return std::count(corpus_.tokens[doc].begin(), corpus_.tokens[doc].end(), t) > 0;
  };
  // +w4 w9 -w2: rows with w4 and without w2; w9 adds to the score.
  auto q = FtsQuery::Boolean({FtsQuery::Match("w4")}, {FtsQuery::Match("w9")}, {FtsQuery::Match("w2")});
  auto hits = Search(*q, sources, 100000);
  std::set<uint64_t> got;
  for (const TextHit& h : hits) got.insert(h.row_id);
  size_t expected = 0;
  for (size_t d : all) {
    const bool match = has(d, "w4") && !has(d, "w2");
    expected += match;
    EXPECT_EQ(got.count(d), match ? 1u : 0u) << d;
  }
  EXPECT_EQ(got.size(), expected);
  for (const TextHit& h : hits) {
    const auto want = brute.Match({"w4", "w9"}, false);
    auto it = std::find_if(want.begin(), want.end(), [&](const TextHit& w) { return w.row_id == h.row_id; });
    ASSERT_NE(it, want.end());
    EXPECT_NEAR(h.score, it->score, 1e-4);
  }
  // A boost doubles scores.
  auto plain = Search(*FtsQuery::Match("w7"), sources, 5);
  auto boosted = Search(*FtsQuery::Boosted(FtsQuery::Match("w7"), 2.0f), sources, 5);
  ASSERT_EQ(plain.size(), boosted.size());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_NEAR(boosted[i].score, 2 * plain[i].score, 1e-4);
  // Fuzzy: "w1x" is one edit from w1, w10..w19 and more.
  auto fuzzy = Search(*FtsQuery::Fuzzy("w1x", 1), sources, 100000);
  EXPECT_FALSE(fuzzy.empty());
  for (const TextHit& h : fuzzy) {
    bool near = false;
    for (const auto& t : corpus_.tokens[h.row_id]) near = near || BoundedEditDistance("w1x", t, 1) <= 1;
    EXPECT_TRUE(near) << h.row_id;
  }
  EXPECT_TRUE(Search(*FtsQuery::Match("w1x"), sources, 10).empty());
  // Boost query: rows with w3 that also hold w5 score half.
  auto bq = Search(*FtsQuery::Boost(FtsQuery::Match("w3"), FtsQuery::Match("w5"), 0.5f), sources, 100000);
  auto w3 = Search(*FtsQuery::Match("w3"), sources, 100000);
  std::map<uint64_t, float> base;
  for (const TextHit& h : w3) base[h.row_id] = h.score;
  ASSERT_EQ(bq.size(), w3.size());
  for (const TextHit& h : bq)
    EXPECT_NEAR(h.score, base[h.row_id] * (has(h.row_id, "w5") ? 0.5f : 1.0f), 1e-4);
  // An allowed set: only even rows come back, still the best of them.
  DocSet even(seg->num_docs());
  for (uint32_t d = 0; d < seg->num_docs(); d += 2) even.Add(d);
  auto filtered_sources = sources;
  filtered_sources[0].allowed = {&even};
  auto filtered = Search(*FtsQuery::Match("w0 w6"), filtered_sources, 10);
  std::vector<TextHit> want;
  for (const TextHit& h : brute.Match({"w0", "w6"}, false)) {
    if (h.row_id % 2 == 0) want.push_back(h);
  }
  ExpectSameHits(filtered, Top(want, 10), "filtered");
}

TEST_F(FtsSearchTest, SloppyPhrasesAndFuzzyPrefixes) {
  const std::vector<std::string> texts = {
      "alpha beta", "alpha gamma beta", "beta alpha", "alpha delta gamma beta", "gamma", "alphx beta"};
  SegmentBuilder builder(analyzer_.get(), true, nullptr);
  std::vector<uint64_t> ids = {0, 1, 2, 3, 4, 5};
  ASSERT_TRUE(builder.AddBatch(*TextArray(texts, 0, texts.size()), ids).ok());
  auto seg = builder.Finish();
  const std::vector<ColumnSource> sources = {Source({seg.get()})};
  auto rows = [&](const FtsQueryPtr& q) {
    std::set<uint64_t> out;
    for (const TextHit& h : Search(*q, sources, 100)) out.insert(h.row_id);
    return out;
  };
  // Slop counts moves: one word between is 1, a swap is 2, two words between is 2.
  EXPECT_EQ(rows(FtsQuery::Phrase("alpha beta", "", 0)), (std::set<uint64_t>{0}));
  EXPECT_EQ(rows(FtsQuery::Phrase("alpha beta", "", 1)), (std::set<uint64_t>{0, 1}));
  EXPECT_EQ(rows(FtsQuery::Phrase("alpha beta", "", 2)), (std::set<uint64_t>{0, 1, 2, 3}));
  // A closer match scores higher.
  auto hits = Search(*FtsQuery::Phrase("alpha beta", "", 2), sources, 100);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].row_id, 0u);
  // Fuzzy: "alpha" within 1 edit is alpha and alphx; a prefix of 5 keeps only alpha.
  EXPECT_EQ(rows(FtsQuery::Fuzzy("alpha", 1)), (std::set<uint64_t>{0, 1, 2, 3, 5}));
  EXPECT_EQ(rows(FtsQuery::Fuzzy("alpha", 1, "", 5)), (std::set<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(rows(FtsQuery::Fuzzy("alphz", 1, "", 4)), (std::set<uint64_t>{0, 1, 2, 3, 5}));
  EXPECT_TRUE(rows(FtsQuery::Fuzzy("alp", 1)).empty());
  auto limited = std::make_shared<FtsQuery>(*FtsQuery::Fuzzy("alphy", 1));
  limited->max_expansions = 1;  // the more frequent of alpha and alphx
  EXPECT_EQ(rows(limited), (std::set<uint64_t>{0, 1, 2, 3}));
}

TEST_F(FtsSearchTest, ErrorsNameTheProblem) {
  auto seg = Segment(0, 100, /*positions=*/false);
  const std::vector<ColumnSource> sources = {Source({seg.get()})};
  auto phrase = SearchText(*FtsQuery::Phrase("w1 w2"), sources, 10, {});
  ASSERT_FALSE(phrase.ok());
  EXPECT_NE(phrase.status().message().find("with_position"), std::string::npos);
  auto column = SearchText(*FtsQuery::Match("w1", "title"), sources, 10, {});
  ASSERT_FALSE(column.ok());
  EXPECT_NE(column.status().message().find("\"title\""), std::string::npos);
  EXPECT_FALSE(SearchText(*FtsQuery::Match("w1"), sources, -1, {}).ok());
  EXPECT_FALSE(SearchText(*FtsQuery::Fuzzy("w1", 3), sources, 10, {}).ok());
  EXPECT_FALSE(SearchText(*FtsQuery::Match("w1"), sources, 10, {1.2f, 2.0f}).ok());
  EXPECT_TRUE(SearchText(*FtsQuery::Match("w1"), sources, 0, {})->empty());
}

TEST_F(FtsSearchTest, MultiColumnQueriesCombineByRowId) {
  // Two "columns": the corpus, and the corpus reversed in row order.
  auto a = Segment(0, corpus_.texts.size());
  SegmentBuilder builder(analyzer_.get(), true, nullptr);
  std::vector<uint64_t> ids;
  std::vector<std::string> reversed;
  for (size_t i = 0; i < corpus_.texts.size(); ++i) {
    ids.push_back(i);
    reversed.push_back(corpus_.texts[corpus_.texts.size() - 1 - i]);
  }
  ASSERT_TRUE(builder.AddBatch(*TextArray(reversed, 0, reversed.size()), ids).ok());
  auto b = builder.Finish();
  ColumnSource title = Source({a.get()});
  ColumnSource body = Source({b.get()});
  body.column = "body";
  const std::vector<ColumnSource> sources = {title, body};
  auto t = Search(*FtsQuery::Match("w8", "text"), sources, 100000);
  auto u = Search(*FtsQuery::Match("w8", "body"), sources, 100000);
  std::map<uint64_t, float> sum;
  for (const TextHit& h : t) sum[h.row_id] += h.score;
  for (const TextHit& h : u) sum[h.row_id] += 2 * h.score;
  auto multi = Search(*FtsQuery::MultiMatch("w8", {{"text", 1.0f}, {"body", 2.0f}}), sources, 100000);
  ASSERT_EQ(multi.size(), sum.size());
  for (const TextHit& h : multi) EXPECT_NEAR(h.score, sum[h.row_id], 1e-4);
  // Column "" searches every column.
  auto any = Search(*FtsQuery::Match("w8"), sources, 100000);
  EXPECT_EQ(any.size(), sum.size());
  // +text:w8 -body:w8
  auto q = FtsQuery::Boolean({FtsQuery::Match("w8", "text")}, {}, {FtsQuery::Match("w8", "body")});
  std::set<uint64_t> in_body;
  for (const TextHit& h : u) in_body.insert(h.row_id);
  for (const TextHit& h : Search(*q, sources, 100000)) EXPECT_EQ(in_body.count(h.row_id), 0u);
}

}  // namespace
}  // namespace quiver::index::fts
