#include "index/fts/search.h"

#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "index/vector/topk.h"

namespace quiver::index::fts {
namespace {

using index::Neighbor;
using index::TopK;

constexpr uint64_t kEnd = std::numeric_limits<uint64_t>::max();

// ---------------------------------------------------------------------------
// Scorers: iterators over ascending document keys (document numbers of one
// segment, or row ids when combining columns) that score the current one.
// A scorer is positioned on its first document when made.

class Scorer {
 public:
  virtual ~Scorer() = default;
  uint64_t doc() const { return doc_; }
  virtual uint64_t Next() = 0;
  // The first document >= target (target > doc()).
  virtual uint64_t Advance(uint64_t target) = 0;
  virtual float Score() = 0;
  // No document scores more.
  virtual float MaxScore() const = 0;
  virtual Status status() const { return Status::OK(); }
  // Documents scoring at most `score` are no longer wanted (the top k is
  // full and keeps its earlier rows on ties): a scorer may skip them
  // without computing their score.
  virtual void SetMinCompetitiveScore(float) {}

 protected:
  uint64_t doc_ = kEnd;
};
using ScorerPtr = std::unique_ptr<Scorer>;

class EmptyScorer : public Scorer {
 public:
  uint64_t Next() override { return kEnd; }
  uint64_t Advance(uint64_t) override { return kEnd; }
  float Score() override { return 0; }
  float MaxScore() const override { return 0; }
};

// BM25 length normalisation shared by the terms of one column.
struct Norms {
  std::span<const uint32_t> lengths;
  float k1_1mb = 0;    // k1 * (1 - b)
  float k1_b_avg = 0;  // k1 * b / avglen
  float Denominator(uint32_t tf, uint32_t length) const {
    return static_cast<float>(tf) + k1_1mb + k1_b_avg * static_cast<float>(length);
  }
};

class TermScorer : public Scorer {
 public:
  TermScorer(PostingBytes bytes, PostingList list, float weight, const Norms& norms, TextSearchStats* stats)
      : bytes_(std::move(bytes)),
        list_(std::move(list)),
        cursor_(&list_),
        weight_(weight),
        norms_(norms),
        stats_(stats) {
    bounds_.reserve(list_.skips().size());
    for (const SkipEntry& e : list_.skips()) {
      const float bound = weight_ * static_cast<float>(e.max_tf) / norms_.Denominator(e.max_tf, e.min_length);
      bounds_.push_back(bound);
      max_ = std::max(max_, bound);
    }
    doc_ = Key(cursor_.doc());
  }
  uint64_t Next() override { return doc_ = Key(cursor_.Next()); }
  uint64_t Advance(uint64_t target) override {
    return doc_ = Key(cursor_.Advance(target >= kNoDoc ? kNoDoc : static_cast<uint32_t>(target)));
  }
  float Score() override {
    ++stats_->postings_scored;
    const uint32_t tf = cursor_.tf();
    return weight_ * static_cast<float>(tf) / norms_.Denominator(tf, norms_.lengths[cursor_.doc()]);
  }
  float MaxScore() const override { return max_; }
  Status status() const override { return cursor_.status(); }

  // The next document (after the current one) in a block whose bound
  // exceeds `min`, skipping blocks that cannot.
  uint64_t NextAbove(float min) {
    uint32_t d = cursor_.Next();
    size_t b = cursor_.block();
    if (d == kNoDoc || bounds_[b] > min) return doc_ = Key(d);
    while (b < bounds_.size() && bounds_[b] <= min) {
      ++b;
      ++stats_->blocks_skipped;
    }
    return doc_ = Key(cursor_.EnterBlock(b));
  }
  // The skip entry of the block holding the current document.
  const SkipEntry& CurrentBlock() const { return list_.skips()[cursor_.block()]; }
  // The first document of the next block.
  uint64_t NextBlock() {
    ++stats_->blocks_skipped;
    return doc_ = Key(cursor_.EnterBlock(cursor_.block() + 1));
  }
  uint32_t df() const { return list_.df(); }
  PostingCursor& cursor() { return cursor_; }

 private:
  static uint64_t Key(uint32_t d) { return d == kNoDoc ? kEnd : d; }
  PostingBytes bytes_;
  PostingList list_;
  PostingCursor cursor_;
  float weight_;
  Norms norms_;
  TextSearchStats* stats_;
  std::vector<float> bounds_;
  float max_ = 0;
};

// Documents holding every term of a phrase at the right distances.
class PhraseScorer : public Scorer {
 public:
  PhraseScorer(std::vector<std::unique_ptr<TermScorer>> terms, std::vector<uint32_t> offsets, int slop,
               float weight, const Norms& norms)
      : slop_(slop), weight_(weight), norms_(norms) {
    // The rarest word leads (the order of the words does not matter to the
    // matching, only their offsets).
    std::vector<size_t> order(terms.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return terms[a]->df() < terms[b]->df(); });
    for (size_t i : order) {
      terms_.push_back(std::move(terms[i]));
      offsets_.push_back(offsets[i]);
    }
    FindMatch();
  }
  uint64_t Next() override {
    terms_[0]->Next();
    return FindMatch();
  }
  uint64_t Advance(uint64_t target) override {
    terms_[0]->Advance(target);
    return FindMatch();
  }
  float Score() override {
    return weight_ * freq_ / (freq_ + norms_.Denominator(0, norms_.lengths[static_cast<uint32_t>(doc_)]));
  }
  float MaxScore() const override { return weight_; }
  void SetMinCompetitiveScore(float score) override { min_score_ = score; }
  Status status() const override {
    if (!status_.ok()) return status_;
    for (const auto& t : terms_) QUIVER_RETURN_NOT_OK(t->status());
    return Status::OK();
  }

 private:
  // Score of `freq` matches in a document of `length` terms.
  float Bound(uint32_t freq, uint32_t length) const {
    const float f = static_cast<float>(freq);
    return weight_ * f / (f + norms_.Denominator(0, length));
  }

  // From the lead word's current document on, the first document holding
  // the phrase (and, once a minimum score is set, able to reach it).
  uint64_t FindMatch() {
    TermScorer& lead = *terms_[0];
    for (uint64_t target = lead.doc(); target != kEnd;) {
      // The phrase occurs at most as often as its lead word: blocks of the
      // lead whose best tf and shortest document cannot compete are passed
      // over whole (exact phrases; a sloppy one can match more often).
      if (min_score_ > 0 && slop_ == 0) {
        const SkipEntry& e = lead.CurrentBlock();
        if (Bound(e.max_tf, e.min_length) <= min_score_) {
          target = lead.NextBlock();
          continue;
        }
      }
      // An exact phrase occurs at most as often as the lead word does in this
      // document: when even that cannot compete, the other words' lists are
      // not touched.
      if (min_score_ > 0 && slop_ == 0 &&
          Bound(lead.cursor().tf(), norms_.lengths[static_cast<uint32_t>(target)]) <= min_score_) {
        target = lead.Next();
        continue;
      }
      // Every word on the same document.
      bool aligned = true;
      for (size_t i = 1; i < terms_.size(); ++i) {
        TermScorer& t = *terms_[i];
        const uint64_t d = t.doc() < target ? t.Advance(target) : t.doc();
        if (d != target) {
          target = d == kEnd ? kEnd : lead.Advance(d);
          aligned = false;
          break;
        }
      }
      if (!aligned) continue;
      // The phrase cannot occur more often than its rarest word (exact), or
      // than its words together (sloppy): skip documents that could not
      // compete even then, before decoding any position.
      if (min_score_ > 0) {
        uint32_t bound = slop_ == 0 ? std::numeric_limits<uint32_t>::max() : 0;
        for (auto& t : terms_) {
          bound = slop_ == 0 ? std::min(bound, t->cursor().tf()) : bound + t->cursor().tf();
        }
        if (Bound(bound, norms_.lengths[static_cast<uint32_t>(target)]) <= min_score_) {
          target = lead.Next();
          continue;
        }
      }
      freq_ = PhraseFrequency();
      if (freq_ > 0) return doc_ = target;
      target = lead.Next();
    }
    return doc_ = kEnd;
  }

  // Matches in the current document: one per window where every term sits
  // at its offset within `slop` moves, weighted 1 / (1 + moves).
  float PhraseFrequency() {
    const size_t n = terms_.size();
    lists_.resize(n);
    // Positions shifted back by each term's offset in the phrase (plus the
    // largest offset, to stay unsigned): a match lines them all up.
    const uint32_t base = *std::max_element(offsets_.begin(), offsets_.end());
    for (size_t i = 0; i < n; ++i) {
      auto positions = terms_[i]->cursor().Positions();
      if (!positions.ok()) {
        status_ = positions.status();
        return 0;
      }
      if (positions->empty()) return 0;
      lists_[i].assign(positions->begin(), positions->end());
      for (uint32_t& p : lists_[i]) p = p + base - offsets_[i];
    }
    index_.assign(n, 0);
    float freq = 0;
    for (;;) {
      uint32_t lo = std::numeric_limits<uint32_t>::max(), hi = 0;
      size_t lo_term = 0;
      for (size_t i = 0; i < n; ++i) {
        const uint32_t p = lists_[i][index_[i]];
        if (p < lo) {
          lo = p;
          lo_term = i;
        }
        hi = std::max(hi, p);
      }
      const uint32_t span = hi - lo;
      if (static_cast<int64_t>(span) <= slop_) {
        freq += 1.0f / (1.0f + static_cast<float>(span));
        // Next window: move every term that sits at the lowest position.
        bool done = false;
        for (size_t i = 0; i < n; ++i) {
          if (lists_[i][index_[i]] == lo && ++index_[i] == lists_[i].size()) done = true;
        }
        if (done) break;
      } else if (++index_[lo_term] == lists_[lo_term].size()) {
        break;
      }
    }
    return freq;
  }

  std::vector<std::unique_ptr<TermScorer>> terms_;
  std::vector<uint32_t> offsets_;
  int slop_;
  float weight_;
  Norms norms_;
  float freq_ = 0;
  float min_score_ = 0;
  Status status_;
  std::vector<std::vector<uint32_t>> lists_;
  std::vector<size_t> index_;
};

Status ChildrenStatus(const std::vector<ScorerPtr>& children) {
  for (const auto& c : children) QUIVER_RETURN_NOT_OK(c->status());
  return Status::OK();
}

// Documents every child holds; scores add.
class ConjunctionScorer : public Scorer {
 public:
  explicit ConjunctionScorer(std::vector<ScorerPtr> children) : children_(std::move(children)) {
    std::sort(children_.begin(), children_.end(),
              [](const ScorerPtr& a, const ScorerPtr& b) { return a->doc() > b->doc(); });
    for (const auto& c : children_) max_ += c->MaxScore();
    Align(children_[0]->doc());
  }
  uint64_t Next() override { return Align(children_[0]->Next()); }
  uint64_t Advance(uint64_t target) override { return Align(children_[0]->Advance(target)); }
  float Score() override {
    float s = 0;
    for (auto& c : children_) s += c->Score();
    return s;
  }
  float MaxScore() const override { return max_; }
  Status status() const override { return ChildrenStatus(children_); }

 private:
  uint64_t Align(uint64_t target) {
    for (;;) {
      if (target == kEnd) return doc_ = kEnd;
      bool aligned = true;
      for (auto& c : children_) {
        const uint64_t d = c->doc() < target ? c->Advance(target) : c->doc();
        if (d != target) {
          target = d;
          aligned = false;
          break;
        }
      }
      if (aligned) return doc_ = target;
      if (target != kEnd && children_[0]->doc() < target) target = children_[0]->Advance(target);
    }
  }
  std::vector<ScorerPtr> children_;
  float max_ = 0;
};

// Documents at least `min_match` children hold; scores add.
class DisjunctionScorer : public Scorer {
 public:
  DisjunctionScorer(std::vector<ScorerPtr> children, int min_match)
      : children_(std::move(children)), min_match_(std::max(1, min_match)) {
    for (const auto& c : children_) max_ += c->MaxScore();
    Settle();
  }
  uint64_t Next() override {
    for (auto& c : children_) {
      if (c->doc() == doc_) c->Next();
    }
    return Settle();
  }
  uint64_t Advance(uint64_t target) override {
    for (auto& c : children_) {
      if (c->doc() < target) c->Advance(target);
    }
    return Settle();
  }
  float Score() override {
    float s = 0;
    for (auto& c : children_) {
      if (c->doc() == doc_) s += c->Score();
    }
    return s;
  }
  float MaxScore() const override { return max_; }
  Status status() const override { return ChildrenStatus(children_); }

 private:
  // Moves to the smallest document with enough children on it.
  uint64_t Settle() {
    for (;;) {
      uint64_t lo = kEnd;
      for (const auto& c : children_) lo = std::min(lo, c->doc());
      if (lo == kEnd || min_match_ <= 1) return doc_ = lo;
      int count = 0;
      for (const auto& c : children_) count += c->doc() == lo;
      if (count >= min_match_) return doc_ = lo;
      for (auto& c : children_) {
        if (c->doc() == lo) c->Next();
      }
    }
  }
  std::vector<ScorerPtr> children_;
  int min_match_;
  float max_ = 0;
};

// `required`'s documents; `optional` adds its score where it matches too.
class ReqOptScorer : public Scorer {
 public:
  ReqOptScorer(ScorerPtr required, ScorerPtr optional)
      : req_(std::move(required)), opt_(std::move(optional)) {
    doc_ = req_->doc();
  }
  uint64_t Next() override { return doc_ = req_->Next(); }
  uint64_t Advance(uint64_t target) override { return doc_ = req_->Advance(target); }
  float Score() override {
    float s = req_->Score();
    if (opt_->doc() < doc_) opt_->Advance(doc_);
    if (opt_->doc() == doc_) s += opt_->Score();
    return s;
  }
  float MaxScore() const override { return req_->MaxScore() + opt_->MaxScore(); }
  Status status() const override {
    QUIVER_RETURN_NOT_OK(req_->status());
    return opt_->status();
  }

 private:
  ScorerPtr req_, opt_;
};

// `required`'s documents that `excluded` does not hold.
class ReqExclScorer : public Scorer {
 public:
  ReqExclScorer(ScorerPtr required, ScorerPtr excluded)
      : req_(std::move(required)), excl_(std::move(excluded)) {
    Skip(req_->doc());
  }
  uint64_t Next() override { return Skip(req_->Next()); }
  uint64_t Advance(uint64_t target) override { return Skip(req_->Advance(target)); }
  float Score() override { return req_->Score(); }
  float MaxScore() const override { return req_->MaxScore(); }
  Status status() const override {
    QUIVER_RETURN_NOT_OK(req_->status());
    return excl_->status();
  }

 private:
  uint64_t Skip(uint64_t d) {
    while (d != kEnd) {
      if (excl_->doc() < d) excl_->Advance(d);
      if (excl_->doc() != d) break;
      d = req_->Next();
    }
    return doc_ = d;
  }
  ScorerPtr req_, excl_;
};

// `inner` with every score scaled.
class ScaledScorer : public Scorer {
 public:
  ScaledScorer(ScorerPtr inner, float factor) : inner_(std::move(inner)), factor_(factor) {
    doc_ = inner_->doc();
  }
  uint64_t Next() override { return doc_ = inner_->Next(); }
  uint64_t Advance(uint64_t target) override { return doc_ = inner_->Advance(target); }
  float Score() override { return inner_->Score() * factor_; }
  float MaxScore() const override { return inner_->MaxScore() * factor_; }
  void SetMinCompetitiveScore(float score) override {
    if (factor_ > 0) inner_->SetMinCompetitiveScore(score / factor_);
  }
  Status status() const override { return inner_->status(); }

 private:
  ScorerPtr inner_;
  float factor_;
};

// `positive`'s documents, scores scaled by `factor` where `negative` matches.
class BoostQueryScorer : public Scorer {
 public:
  BoostQueryScorer(ScorerPtr positive, ScorerPtr negative, float factor)
      : pos_(std::move(positive)), neg_(std::move(negative)), factor_(factor) {
    doc_ = pos_->doc();
  }
  uint64_t Next() override { return doc_ = pos_->Next(); }
  uint64_t Advance(uint64_t target) override { return doc_ = pos_->Advance(target); }
  float Score() override {
    float s = pos_->Score();
    if (neg_->doc() < doc_) neg_->Advance(doc_);
    return neg_->doc() == doc_ ? s * factor_ : s;
  }
  float MaxScore() const override { return pos_->MaxScore() * std::max(1.0f, factor_); }
  Status status() const override {
    QUIVER_RETURN_NOT_OK(pos_->status());
    return neg_->status();
  }

 private:
  ScorerPtr pos_, neg_;
  float factor_;
};

// Precomputed (row id, score) pairs, ascending by row id.
class ListScorer : public Scorer {
 public:
  explicit ListScorer(std::vector<TextHit> hits) : hits_(std::move(hits)) {
    for (const TextHit& h : hits_) max_ = std::max(max_, h.score);
    doc_ = hits_.empty() ? kEnd : hits_[0].row_id;
  }
  uint64_t Next() override { return doc_ = ++i_ < hits_.size() ? hits_[i_].row_id : kEnd; }
  uint64_t Advance(uint64_t target) override {
    auto it = std::lower_bound(hits_.begin() + static_cast<int64_t>(i_), hits_.end(), target,
                               [](const TextHit& h, uint64_t t) { return h.row_id < t; });
    i_ = static_cast<size_t>(it - hits_.begin());
    return doc_ = i_ < hits_.size() ? hits_[i_].row_id : kEnd;
  }
  float Score() override { return hits_[i_].score; }
  float MaxScore() const override { return max_; }

 private:
  std::vector<TextHit> hits_;
  size_t i_ = 0;
  float max_ = 0;
};

// ---------------------------------------------------------------------------
// Resolving a query for one column: analyzed terms, fuzzy expansions and
// statistics over all the column's segments.

// The match over one column that a multi-match's (column, boost) pair
// stands for.
FtsQuery MatchIn(const FtsQuery& multi, const std::string& column, float boost) {
  FtsQuery match = multi;
  match.kind = FtsQuery::Kind::kMatch;
  match.column = column;
  match.boost = multi.boost * boost;
  match.columns.clear();
  return match;
}

Status NoIndexOn(const std::string& column, const std::vector<ColumnSource>& sources) {
  std::string names;
  for (const ColumnSource& s : sources) names += (names.empty() ? "\"" : ", \"") + s.column + "\"";
  return Status::InvalidArgument("no full-text index on column \"" + column +
                                 "\"; indexed columns: " + names);
}

struct ResolvedTerm {
  std::string term;
  float idf = 0;
};

struct Resolved;
using ResolvedPtr = std::unique_ptr<Resolved>;
struct Resolved {
  enum class Kind { kEmpty, kTerm, kAnd, kOr, kPhrase, kBoolean, kBoost } kind = Kind::kEmpty;
  float boost = 1;
  // kTerm: alternatives (fuzzy expansions), scores add; kPhrase: the terms.
  std::vector<ResolvedTerm> terms;
  std::vector<uint32_t> offsets;  // kPhrase
  int slop = 0;
  std::vector<ResolvedPtr> children;                // kAnd, kOr
  int min_match = 1;                                // kOr
  std::vector<ResolvedPtr> must, should, must_not;  // kBoolean
  ResolvedPtr positive, negative;                   // kBoost
  float negative_boost = 1;
};

class ColumnSearch {
 public:
  ColumnSearch(const ColumnSource& source, const Bm25Params& params, TextSearchStats* stats)
      : source_(source), params_(params), stats_(stats) {
    uint64_t total = 0;
    for (const Segment* s : source_.segments) {
      num_docs_ += s->num_docs();
      total += s->total_length();
    }
    avg_length_ =
        num_docs_ > 0 && total > 0 ? static_cast<double>(total) / static_cast<double>(num_docs_) : 1.0;
  }

  Result<ResolvedPtr> Resolve(const FtsQuery& q) {
    auto r = std::make_unique<Resolved>();
    r->boost = q.boost;
    switch (q.kind) {
      case FtsQuery::Kind::kMatch: {
        std::vector<Token> tokens;
        source_.analyzer->Analyze(q.text, 0, &tokens);
        std::vector<ResolvedPtr> groups;
        for (const Token& t : tokens) {
          auto g = std::make_unique<Resolved>();
          g->kind = Resolved::Kind::kTerm;
          if (q.fuzziness > 0) {
            QUIVER_RETURN_NOT_OK(Expand(t.text, q.fuzziness, q.prefix_length, q.max_expansions, &g->terms));
          } else {
            QUIVER_ASSIGN_OR_RETURN(uint64_t df, DocFreq(t.text));
            if (df > 0) g->terms.push_back({t.text, Idf(df)});
          }
          groups.push_back(std::move(g));
        }
        const bool all = q.conjunction;
        if (all && std::any_of(groups.begin(), groups.end(),
                               [](const ResolvedPtr& g) { return g->terms.empty(); })) {
          return r;  // a required term occurs nowhere
        }
        std::erase_if(groups, [](const ResolvedPtr& g) { return g->terms.empty(); });
        if (groups.empty()) return r;
        if (groups.size() == 1 && q.minimum_should_match <= 1) {
          groups[0]->boost = q.boost;
          return std::move(groups[0]);
        }
        r->kind = all ? Resolved::Kind::kAnd : Resolved::Kind::kOr;
        r->min_match = all ? 1 : q.minimum_should_match;
        if (!all && r->min_match > static_cast<int>(groups.size())) return std::make_unique<Resolved>();
        r->children = std::move(groups);
        return r;
      }
      case FtsQuery::Kind::kPhrase: {
        std::vector<Token> tokens;
        source_.analyzer->Analyze(q.text, 0, &tokens);
        if (tokens.empty()) return r;
        for (const Segment* s : source_.segments) {
          if (!s->has_positions() && tokens.size() > 1) {
            return Status::InvalidArgument(
                "phrase queries need positions: rebuild the full-text index on \"" + source_.column +
                "\" with with_position");
          }
        }
        r->kind = tokens.size() == 1 ? Resolved::Kind::kTerm : Resolved::Kind::kPhrase;
        r->slop = q.slop;
        const uint32_t first = tokens[0].position;
        for (const Token& t : tokens) {
          QUIVER_ASSIGN_OR_RETURN(uint64_t df, DocFreq(t.text));
          if (df == 0) return std::make_unique<Resolved>();
          r->terms.push_back({t.text, Idf(df)});
          r->offsets.push_back(t.position - first);
        }
        return r;
      }
      case FtsQuery::Kind::kBoolean: {
        r->kind = Resolved::Kind::kBoolean;
        for (const auto& c : q.must) {
          QUIVER_ASSIGN_OR_RETURN(auto child, Resolve(*c));
          if (child->kind == Resolved::Kind::kEmpty) return std::make_unique<Resolved>();
          r->must.push_back(std::move(child));
        }
        for (const auto& c : q.should) {
          QUIVER_ASSIGN_OR_RETURN(auto child, Resolve(*c));
          if (child->kind != Resolved::Kind::kEmpty) r->should.push_back(std::move(child));
        }
        for (const auto& c : q.must_not) {
          QUIVER_ASSIGN_OR_RETURN(auto child, Resolve(*c));
          if (child->kind != Resolved::Kind::kEmpty) r->must_not.push_back(std::move(child));
        }
        if (r->must.empty() && r->should.empty()) return std::make_unique<Resolved>();
        return r;
      }
      case FtsQuery::Kind::kBoost: {
        r->kind = Resolved::Kind::kBoost;
        QUIVER_ASSIGN_OR_RETURN(r->positive, Resolve(*q.positive));
        QUIVER_ASSIGN_OR_RETURN(r->negative, Resolve(*q.negative));
        r->negative_boost = q.negative_boost;
        if (r->positive->kind == Resolved::Kind::kEmpty) return std::make_unique<Resolved>();
        return r;
      }
      case FtsQuery::Kind::kMultiMatch:
        break;
    }
    return Status::InvalidArgument("a multi-match query cannot be evaluated on one column");
  }

  // Scorer over `segment` (index i of the source) for `r`.
  Result<ScorerPtr> Build(const Resolved& r, size_t segment) {
    const Segment& seg = *source_.segments[segment];
    Norms norms = MakeNorms(seg);
    ScorerPtr out;
    switch (r.kind) {
      case Resolved::Kind::kEmpty:
        return ScorerPtr(std::make_unique<EmptyScorer>());
      case Resolved::Kind::kTerm: {
        std::vector<ScorerPtr> alternatives;
        for (const ResolvedTerm& t : r.terms) {
          QUIVER_ASSIGN_OR_RETURN(auto term, MakeTerm(seg, t, r.boost, norms, false));
          if (term) alternatives.push_back(std::move(term));
        }
        if (alternatives.empty()) return ScorerPtr(std::make_unique<EmptyScorer>());
        if (alternatives.size() == 1) return std::move(alternatives[0]);
        return ScorerPtr(std::make_unique<DisjunctionScorer>(std::move(alternatives), 1));
      }
      case Resolved::Kind::kPhrase: {
        std::vector<std::unique_ptr<TermScorer>> terms;
        float idf = 0;
        for (const ResolvedTerm& t : r.terms) {
          QUIVER_ASSIGN_OR_RETURN(auto term, MakeTerm(seg, t, 1, norms, true));
          if (!term) return ScorerPtr(std::make_unique<EmptyScorer>());
          terms.push_back(std::move(term));
          idf += t.idf;
        }
        const float weight = idf * r.boost * (params_.k1 + 1);
        return ScorerPtr(std::make_unique<PhraseScorer>(std::move(terms), r.offsets, r.slop, weight, norms));
      }
      case Resolved::Kind::kAnd:
      case Resolved::Kind::kOr: {
        std::vector<ScorerPtr> children;
        for (const auto& c : r.children) {
          QUIVER_ASSIGN_OR_RETURN(auto child, Build(*c, segment));
          if (child->doc() == kEnd && r.kind == Resolved::Kind::kAnd) return child;
          if (child->doc() != kEnd) children.push_back(std::move(child));
        }
        if (static_cast<int>(children.size()) < r.min_match || children.empty()) {
          return ScorerPtr(std::make_unique<EmptyScorer>());
        }
        if (children.size() == 1)
          out = std::move(children[0]);
        else if (r.kind == Resolved::Kind::kAnd)
          out = std::make_unique<ConjunctionScorer>(std::move(children));
        else
          out = std::make_unique<DisjunctionScorer>(std::move(children), r.min_match);
        break;
      }
      case Resolved::Kind::kBoolean: {
        QUIVER_ASSIGN_OR_RETURN(ScorerPtr must, Combine(r.must, segment, true));
        QUIVER_ASSIGN_OR_RETURN(ScorerPtr should, Combine(r.should, segment, false));
        QUIVER_ASSIGN_OR_RETURN(ScorerPtr must_not, Combine(r.must_not, segment, false));
        if (!r.must.empty()) {
          out = should ? ScorerPtr(std::make_unique<ReqOptScorer>(std::move(must), std::move(should)))
                       : std::move(must);
        } else {
          out = std::move(should);
        }
        if (!out) return ScorerPtr(std::make_unique<EmptyScorer>());
        if (must_not) out = std::make_unique<ReqExclScorer>(std::move(out), std::move(must_not));
        break;
      }
      case Resolved::Kind::kBoost: {
        QUIVER_ASSIGN_OR_RETURN(ScorerPtr positive, Build(*r.positive, segment));
        QUIVER_ASSIGN_OR_RETURN(ScorerPtr negative, Build(*r.negative, segment));
        out = std::make_unique<BoostQueryScorer>(std::move(positive), std::move(negative), r.negative_boost);
        break;
      }
    }
    if (r.boost != 1.0f && r.kind != Resolved::Kind::kTerm && r.kind != Resolved::Kind::kPhrase) {
      out = std::make_unique<ScaledScorer>(std::move(out), r.boost);
    }
    return out;
  }

  // The resolved query is one term or an OR of single terms: MaxScore can
  // run over term scorers directly.
  static bool IsTermDisjunction(const Resolved& r) {
    auto single = [](const Resolved& t) { return t.kind == Resolved::Kind::kTerm && t.terms.size() == 1; };
    if (single(r)) return true;
    if (r.kind != Resolved::Kind::kOr || r.min_match > 1 || r.boost != 1.0f) return false;
    return std::all_of(r.children.begin(), r.children.end(),
                       [&](const ResolvedPtr& c) { return single(*c); });
  }

  Result<std::vector<std::unique_ptr<TermScorer>>> BuildTerms(const Resolved& r, size_t segment) {
    const Segment& seg = *source_.segments[segment];
    Norms norms = MakeNorms(seg);
    std::vector<std::unique_ptr<TermScorer>> out;
    auto add = [&](const Resolved& t) -> Status {
      QUIVER_ASSIGN_OR_RETURN(auto term, MakeTerm(seg, t.terms[0], t.boost, norms, false));
      if (term && term->doc() != kEnd) out.push_back(std::move(term));
      return Status::OK();
    };
    if (r.kind == Resolved::Kind::kTerm) {
      QUIVER_RETURN_NOT_OK(add(r));
    } else {
      for (const auto& c : r.children) QUIVER_RETURN_NOT_OK(add(*c));
    }
    return out;
  }

  const ColumnSource& source() const { return source_; }

 private:
  Norms MakeNorms(const Segment& seg) const {
    Norms n;
    n.lengths = seg.lengths();
    n.k1_1mb = params_.k1 * (1 - params_.b);
    n.k1_b_avg = static_cast<float>(params_.k1 * params_.b / avg_length_);
    return n;
  }

  Result<std::unique_ptr<TermScorer>> MakeTerm(const Segment& seg, const ResolvedTerm& t, float boost,
                                               const Norms& norms, bool positions) {
    QUIVER_ASSIGN_OR_RETURN(auto info, seg.Lookup(t.term));
    if (!info) return std::unique_ptr<TermScorer>();
    QUIVER_ASSIGN_OR_RETURN(PostingBytes bytes, seg.Postings(t.term, *info, positions));
    auto list = PostingList::Parse(bytes.postings, bytes.positions, info->df);
    if (!list.ok()) return list.status().WithContext("term \"" + t.term + "\" of \"" + source_.column + "\"");
    const float weight = t.idf * boost * (params_.k1 + 1);
    return std::make_unique<TermScorer>(std::move(bytes), std::move(*list), weight, norms, stats_);
  }

  Result<ScorerPtr> Combine(const std::vector<ResolvedPtr>& clauses, size_t segment, bool all) {
    std::vector<ScorerPtr> built;
    for (const auto& c : clauses) {
      QUIVER_ASSIGN_OR_RETURN(auto s, Build(*c, segment));
      built.push_back(std::move(s));
    }
    if (built.empty()) return ScorerPtr();
    if (built.size() == 1) return std::move(built[0]);
    if (all) return ScorerPtr(std::make_unique<ConjunctionScorer>(std::move(built)));
    return ScorerPtr(std::make_unique<DisjunctionScorer>(std::move(built), 1));
  }

  Result<uint64_t> DocFreq(const std::string& term) {
    auto it = df_.find(term);
    if (it != df_.end()) return it->second;
    uint64_t df = 0;
    for (const Segment* s : source_.segments) {
      QUIVER_ASSIGN_OR_RETURN(auto info, s->Lookup(term));
      if (info) df += info->df;
    }
    df_.emplace(term, df);
    return df;
  }

  float Idf(uint64_t df) const {
    const double n = static_cast<double>(num_docs_);
    const double d = static_cast<double>(df);
    return static_cast<float>(std::log(1.0 + (n - d + 0.5) / (d + 0.5)));
  }

  // The index terms within `distance` edits of `term` (sharing its first
  // `prefix` code points), closest first, then most frequent.
  Status Expand(const std::string& term, int distance, int prefix, int max_expansions,
                std::vector<ResolvedTerm>* out) {
    size_t prefix_bytes = 0;  // (Validate checked the distance)
    for (int i = 0; i < prefix && prefix_bytes < term.size(); ++i) {
      utf8proc_int32_t cp;
      const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(term.data()) + prefix_bytes,
                                      static_cast<utf8proc_ssize_t>(term.size() - prefix_bytes), &cp);
      prefix_bytes += n > 0 ? static_cast<size_t>(n) : 1;
    }
    const std::string_view fixed(term.data(), std::min(prefix_bytes, term.size()));
    std::map<std::string, int> found;  // term -> distance
    for (const Segment* s : source_.segments) {
      QUIVER_RETURN_NOT_OK(s->ForEachTerm(fixed, [&](std::string_view candidate, const TermInfo&) {
        const int d = BoundedEditDistance(term, candidate, distance);
        if (d <= distance) found.emplace(std::string(candidate), d);
        return true;
      }));
    }
    std::vector<std::tuple<int, int64_t, std::string>> ranked;
    for (const auto& [t, d] : found) {
      QUIVER_ASSIGN_OR_RETURN(uint64_t df, DocFreq(t));
      ranked.emplace_back(d, -static_cast<int64_t>(df), t);
    }
    std::sort(ranked.begin(), ranked.end());
    if (max_expansions > 0 && ranked.size() > static_cast<size_t>(max_expansions))
      ranked.resize(max_expansions);
    for (const auto& [d, neg_df, t] : ranked) out->push_back({t, Idf(static_cast<uint64_t>(-neg_df))});
    return Status::OK();
  }

  const ColumnSource& source_;
  Bm25Params params_;
  TextSearchStats* stats_;
  uint64_t num_docs_ = 0;
  double avg_length_ = 1;
  std::map<std::string, uint64_t> df_;
};

// ---------------------------------------------------------------------------
// Collecting the best documents.

// The best k documents: index::TopK (the vector searches' bounded heap) over
// negated scores, so ties keep the smaller key as there.
class TopCollector {
 public:
  explicit TopCollector(size_t k) : top_(k) {}
  // Lowest score that can still enter (exclusive), -inf until full.
  float threshold() const { return -top_.threshold(); }
  void Offer(uint64_t key, float score) { top_.Push(-score, key); }
  // Best first (ties by key).
  std::vector<TextHit> Take() {
    std::vector<TextHit> out;
    for (const Neighbor& n : top_.Take()) out.push_back({n.row_id, -n.distance});
    return out;
  }

 private:
  TopK top_;
};

bool Admitted(const DocSet* allowed, uint64_t doc) {
  return allowed == nullptr || allowed->Contains(static_cast<uint32_t>(doc));
}

// Every admitted document of `scorer` into `top`.
Status CollectAll(Scorer& scorer, const DocSet* allowed, TopCollector& top) {
  float threshold = top.threshold();
  for (uint64_t d = scorer.doc(); d != kEnd; d = scorer.Next()) {
    if (!Admitted(allowed, d)) continue;
    top.Offer(d, scorer.Score());
    if (top.threshold() != threshold) {
      threshold = top.threshold();
      scorer.SetMinCompetitiveScore(threshold);
    }
  }
  return scorer.status();
}

// MaxScore over term scorers (Turtle and Flood), with block-max bounds for
// the lead term: terms sorted by their best score; the lowest ones, whose
// bounds together cannot reach the threshold, only score documents the
// others found.
Status CollectMaxScore(std::vector<std::unique_ptr<TermScorer>> terms, const DocSet* allowed,
                       TopCollector& top, TextSearchStats* stats) {
  if (stats) stats->pruned = true;
  std::sort(terms.begin(), terms.end(),
            [](const auto& a, const auto& b) { return a->MaxScore() < b->MaxScore(); });
  const size_t n = terms.size();
  std::vector<float> prefix(n);  // prefix[i]: sum of MaxScore of terms 0..i
  float sum = 0;
  for (size_t i = 0; i < n; ++i) prefix[i] = sum += terms[i]->MaxScore();
  size_t first_essential = 0;
  auto update = [&] {
    const float t = top.threshold();
    while (first_essential < n && prefix[first_essential] <= t) ++first_essential;
  };
  update();
  while (first_essential < n) {
    const float non_essential = first_essential > 0 ? prefix[first_essential - 1] : 0;
    uint64_t doc = kEnd;
    for (size_t i = first_essential; i < n; ++i) doc = std::min(doc, terms[i]->doc());
    if (doc == kEnd) break;
    float score = 0;
    float bound = non_essential;
    bool admitted = Admitted(allowed, doc);
    for (size_t i = first_essential; i < n; ++i) {
      if (terms[i]->doc() != doc) continue;
      if (admitted) score += terms[i]->Score();
    }
    if (admitted) {
      bound += score;
      for (size_t i = first_essential; i-- > 0;) {
        if (bound <= top.threshold()) break;
        TermScorer& t = *terms[i];
        if (t.doc() < doc) t.Advance(doc);
        if (t.doc() == doc) {
          const float s = t.Score();
          score += s;
          bound += s;
        }
        bound -= t.MaxScore();
      }
      if (score > top.threshold()) top.Offer(doc, score);
    }
    // Advance the essential terms past this document; a lone essential term
    // skips blocks that cannot beat the threshold with the others' help.
    const float others = first_essential > 0 ? prefix[first_essential - 1] : 0;
    for (size_t i = first_essential; i < n; ++i) {
      if (terms[i]->doc() != doc) continue;
      if (first_essential == n - 1) {
        terms[i]->NextAbove(top.threshold() - others);
      } else {
        terms[i]->Next();
      }
    }
    update();
  }
  for (const auto& t : terms) QUIVER_RETURN_NOT_OK(t->status());
  return Status::OK();
}

// Top `k` of `search`'s resolved query over each segment, as row ids.
Result<std::vector<TextHit>> SearchColumn(ColumnSearch& search, const Resolved& resolved, size_t k,
                                          TextSearchStats* stats) {
  std::vector<TextHit> all;
  const ColumnSource& source = search.source();
  for (size_t s = 0; s < source.segments.size(); ++s) {
    const DocSet* allowed = s < source.allowed.size() ? source.allowed[s] : nullptr;
    TopCollector top(k);
    if (ColumnSearch::IsTermDisjunction(resolved) && k < std::numeric_limits<size_t>::max()) {
      QUIVER_ASSIGN_OR_RETURN(auto terms, search.BuildTerms(resolved, s));
      QUIVER_RETURN_NOT_OK(CollectMaxScore(std::move(terms), allowed, top, stats));
    } else {
      QUIVER_ASSIGN_OR_RETURN(ScorerPtr scorer, search.Build(resolved, s));
      QUIVER_RETURN_NOT_OK(CollectAll(*scorer, allowed, top));
    }
    const auto row_ids = source.segments[s]->row_ids();
    for (TextHit h : top.Take()) {
      h.row_id = row_ids[h.row_id];
      all.push_back(h);
    }
  }
  std::sort(all.begin(), all.end());
  if (all.size() > k) all.resize(k);
  return all;
}

// ---------------------------------------------------------------------------
// Queries over several columns: each single-column part is evaluated in full
// and the parts are combined by row id.

class MultiColumn {
 public:
  MultiColumn(const std::vector<ColumnSource>& sources, const Bm25Params& params, TextSearchStats* stats)
      : sources_(sources), params_(params), stats_(stats) {}

  Result<ScorerPtr> Build(const FtsQuery& q) {
    switch (q.kind) {
      case FtsQuery::Kind::kMatch:
      case FtsQuery::Kind::kPhrase: {
        QUIVER_ASSIGN_OR_RETURN(auto columns, Columns(q.column));
        std::vector<ScorerPtr> parts;
        for (const ColumnSource* c : columns) {
          QUIVER_ASSIGN_OR_RETURN(auto part, Leaf(q, *c));
          parts.push_back(std::move(part));
        }
        return Either(std::move(parts));
      }
      case FtsQuery::Kind::kMultiMatch: {
        std::vector<ScorerPtr> parts;
        for (const auto& [column, boost] : q.columns) {
          QUIVER_ASSIGN_OR_RETURN(auto columns, Columns(column));
          const FtsQuery match = MatchIn(q, column, boost);
          for (const ColumnSource* c : columns) {
            QUIVER_ASSIGN_OR_RETURN(auto part, Leaf(match, *c));
            parts.push_back(std::move(part));
          }
        }
        return Either(std::move(parts));
      }
      case FtsQuery::Kind::kBoolean: {
        std::vector<ScorerPtr> must, should, must_not;
        for (const auto& c : q.must) {
          QUIVER_ASSIGN_OR_RETURN(auto s, Build(*c));
          must.push_back(std::move(s));
        }
        for (const auto& c : q.should) {
          QUIVER_ASSIGN_OR_RETURN(auto s, Build(*c));
          should.push_back(std::move(s));
        }
        for (const auto& c : q.must_not) {
          QUIVER_ASSIGN_OR_RETURN(auto s, Build(*c));
          must_not.push_back(std::move(s));
        }
        ScorerPtr out;  // (Validate checked there is a must or should clause)
        if (!must.empty()) {
          out = must.size() == 1 ? std::move(must[0]) : std::make_unique<ConjunctionScorer>(std::move(must));
          if (!should.empty())
            out = std::make_unique<ReqOptScorer>(std::move(out), Either(std::move(should)));
        } else {
          out = Either(std::move(should));
        }
        if (!must_not.empty())
          out = std::make_unique<ReqExclScorer>(std::move(out), Either(std::move(must_not)));
        return Scale(std::move(out), q.boost);
      }
      case FtsQuery::Kind::kBoost: {
        QUIVER_ASSIGN_OR_RETURN(auto positive, Build(*q.positive));
        QUIVER_ASSIGN_OR_RETURN(auto negative, Build(*q.negative));
        return Scale(
            std::make_unique<BoostQueryScorer>(std::move(positive), std::move(negative), q.negative_boost),
            q.boost);
      }
    }
    return Status::InvalidArgument("unknown full-text query kind");
  }

 private:
  Result<std::vector<const ColumnSource*>> Columns(const std::string& column) {
    std::vector<const ColumnSource*> out;
    for (const ColumnSource& s : sources_) {
      if (column.empty() || s.column == column) out.push_back(&s);
    }
    if (out.empty()) return NoIndexOn(column, sources_);
    return out;
  }

  // Every matching row of `q` on one column, ascending by row id.
  Result<ScorerPtr> Leaf(const FtsQuery& q, const ColumnSource& source) {
    ColumnSearch search(source, params_, stats_);
    QUIVER_ASSIGN_OR_RETURN(ResolvedPtr resolved, search.Resolve(q));
    QUIVER_ASSIGN_OR_RETURN(auto hits,
                            SearchColumn(search, *resolved, std::numeric_limits<size_t>::max(), stats_));
    std::sort(hits.begin(), hits.end(),
              [](const TextHit& a, const TextHit& b) { return a.row_id < b.row_id; });
    return ScorerPtr(std::make_unique<ListScorer>(std::move(hits)));
  }

  static ScorerPtr Either(std::vector<ScorerPtr> parts) {
    if (parts.size() == 1) return std::move(parts[0]);
    return std::make_unique<DisjunctionScorer>(std::move(parts), 1);
  }
  static ScorerPtr Scale(ScorerPtr s, float boost) {
    if (boost == 1.0f) return s;
    return std::make_unique<ScaledScorer>(std::move(s), boost);
  }

  const std::vector<ColumnSource>& sources_;
  Bm25Params params_;
  TextSearchStats* stats_;
};

// The columns `q` reads ("" for "every indexed column"); sets *combined
// when a multi-match lists more than one (column, boost) pair, which the
// single-column path cannot express even when the columns are the same.
void CollectColumns(const FtsQuery& q, std::set<std::string>* out, bool* combined) {
  switch (q.kind) {
    case FtsQuery::Kind::kMatch:
    case FtsQuery::Kind::kPhrase:
      out->insert(q.column);
      break;
    case FtsQuery::Kind::kMultiMatch:
      for (const auto& [column, boost] : q.columns) out->insert(column);
      if (q.columns.size() != 1) *combined = true;
      break;
    case FtsQuery::Kind::kBoolean:
      for (const auto* list : {&q.must, &q.should, &q.must_not}) {
        for (const auto& c : *list) CollectColumns(*c, out, combined);
      }
      break;
    case FtsQuery::Kind::kBoost:
      CollectColumns(*q.positive, out, combined);
      CollectColumns(*q.negative, out, combined);
      break;
  }
}

// A copy of `q` with kMultiMatch over one column turned into a match.
FtsQueryPtr SingleColumnForm(const FtsQuery& q) {
  auto copy = std::make_shared<FtsQuery>(q);
  if (q.kind == FtsQuery::Kind::kMultiMatch) *copy = MatchIn(q, q.columns[0].first, q.columns[0].second);
  for (auto* list : {&copy->must, &copy->should, &copy->must_not}) {
    for (auto& c : *list) c = SingleColumnForm(*c);
  }
  if (copy->positive) copy->positive = SingleColumnForm(*copy->positive);
  if (copy->negative) copy->negative = SingleColumnForm(*copy->negative);
  return copy;
}

Status Validate(const FtsQuery& q, int depth) {
  if (depth > 200) return Status::InvalidArgument("full-text query nested too deeply");
  if (!std::isfinite(q.boost) || q.boost < 0) {
    return Status::InvalidArgument("boost must be a finite, non-negative number, got " +
                                   std::to_string(q.boost));
  }
  if (q.fuzziness < 0 || q.fuzziness > 2) {
    return Status::InvalidArgument("fuzziness must be 0, 1 or 2, got " + std::to_string(q.fuzziness));
  }
  if (q.slop < 0) return Status::InvalidArgument("slop must not be negative, got " + std::to_string(q.slop));
  if (q.prefix_length < 0) return Status::InvalidArgument("prefix_length must not be negative");
  if (q.minimum_should_match < 0) return Status::InvalidArgument("minimum_should_match must not be negative");
  if (q.kind == FtsQuery::Kind::kMultiMatch && q.columns.empty()) {
    return Status::InvalidArgument("a multi-match query needs at least one column");
  }
  if (q.kind == FtsQuery::Kind::kBoolean && q.must.empty() && q.should.empty()) {
    return Status::InvalidArgument("a boolean query needs at least one must or should clause");
  }
  if (q.kind == FtsQuery::Kind::kBoost) {
    if (!q.positive || !q.negative)
      return Status::InvalidArgument("a boost query needs positive and negative queries");
    if (!std::isfinite(q.negative_boost) || q.negative_boost < 0) {
      return Status::InvalidArgument("negative_boost must be a finite, non-negative number");
    }
  }
  for (const auto* list : {&q.must, &q.should, &q.must_not}) {
    for (const auto& c : *list) {
      if (!c) return Status::InvalidArgument("a boolean query holds a null clause");
      QUIVER_RETURN_NOT_OK(Validate(*c, depth + 1));
    }
  }
  if (q.positive) QUIVER_RETURN_NOT_OK(Validate(*q.positive, depth + 1));
  if (q.negative) QUIVER_RETURN_NOT_OK(Validate(*q.negative, depth + 1));
  return Status::OK();
}

}  // namespace

int BoundedEditDistance(std::string_view a, std::string_view b, int max) {
  auto decode = [](std::string_view s) {
    std::vector<int32_t> out;
    size_t i = 0;
    while (i < s.size()) {
      utf8proc_int32_t cp;
      const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()) + i,
                                      static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
      if (n <= 0) {
        out.push_back(-1 - static_cast<unsigned char>(s[i]));  // an invalid byte stands for itself
        ++i;
      } else {
        out.push_back(cp);
        i += static_cast<size_t>(n);
      }
    }
    return out;
  };
  const std::vector<int32_t> x = decode(a), y = decode(b);
  const int n = static_cast<int>(x.size()), m = static_cast<int>(y.size());
  if (std::abs(n - m) > max) return max + 1;
  std::vector<int> prev(m + 1), cur(m + 1);
  for (int j = 0; j <= m; ++j) prev[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    for (int j = 1; j <= m; ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > max) return max + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[m], max + 1);
}

Result<std::vector<TextHit>> SearchText(const FtsQuery& query, const std::vector<ColumnSource>& sources,
                                        int64_t k, const Bm25Params& params, TextSearchStats* stats) {
  if (k < 0) return Status::InvalidArgument("limit must not be negative, got " + std::to_string(k));
  if (!std::isfinite(params.k1) || params.k1 < 0) {
    return Status::InvalidArgument("BM25 k1 must be a non-negative number, got " + std::to_string(params.k1));
  }
  if (!std::isfinite(params.b) || params.b < 0 || params.b > 1) {
    return Status::InvalidArgument("BM25 b must be between 0 and 1, got " + std::to_string(params.b));
  }
  if (sources.empty()) return Status::InvalidArgument("the table has no full-text index to search");
  QUIVER_RETURN_NOT_OK(Validate(query, 0));
  if (k == 0) return std::vector<TextHit>();
  TextSearchStats local;
  if (stats == nullptr) stats = &local;
  std::set<std::string> columns;
  bool combined = false;
  CollectColumns(query, &columns, &combined);
  for (const std::string& c : columns) {
    if (c.empty()) continue;
    if (std::none_of(sources.begin(), sources.end(), [&](const ColumnSource& s) { return s.column == c; })) {
      return NoIndexOn(c, sources);
    }
  }
  // One column: search its segments directly.
  const ColumnSource* single = nullptr;
  if (!combined && columns.size() == 1 && (!columns.begin()->empty() || sources.size() == 1)) {
    for (const ColumnSource& s : sources) {
      if (columns.begin()->empty() || s.column == *columns.begin()) single = &s;
    }
  }
  if (single != nullptr) {
    FtsQueryPtr plain = SingleColumnForm(query);
    ColumnSearch search(*single, params, stats);
    QUIVER_ASSIGN_OR_RETURN(ResolvedPtr resolved, search.Resolve(*plain));
    return SearchColumn(search, *resolved, static_cast<size_t>(k), stats);
  }
  MultiColumn multi(sources, params, stats);
  QUIVER_ASSIGN_OR_RETURN(ScorerPtr scorer, multi.Build(query));
  TopCollector top(static_cast<size_t>(k));
  QUIVER_RETURN_NOT_OK(CollectAll(*scorer, nullptr, top));
  return top.Take();
}

}  // namespace quiver::index::fts
