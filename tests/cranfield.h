// The Cranfield 1400 test collection (shared/data/cranfield, see its
// SOURCE.md): a reader for its SMART-format files and the quality measures
// that full-text search tests and benchmarks report on it.
//
// The directory holds cran.all.1400 (1,400 documents), cran.qry (225
// queries) and cranqrel (1,837 judgements "query doc code"), with CRLF line
// endings. In a SMART file `.I <id>` starts a record and `.T`, `.A`, `.B`,
// `.W` start its title, authors, bibliography and text; each field runs until
// the next line starting with '.'. The `.I` numbers of cran.qry are not the
// query ids of cranqrel: the k-th query of the file is query k there.
//
// Relevance codes (Cleverdon): 1 complete answer, 2 high relevance, 3 useful
// background, 4 minimum interest, -1 no interest. The measures here use the
// graded gain 5 - code for codes 1..4 and 0 for -1, and count codes 1..4 as
// relevant for recall.
//
// Standard library only, so a benchmark can use it without the test
// framework. Everything here is a pure function of its arguments and safe to
// call from several threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace quiver::testing {

struct CranfieldDoc {
  int id = 0;         // the .I number, 1..1400
  std::string title;  // .T
  std::string text;   // .W (it repeats the title in this collection)
};

struct CranfieldQuery {
  int id = 0;  // 1..225 in file order: the query id of cranqrel
  std::string text;
};

struct Cranfield {
  std::vector<CranfieldDoc> docs;           // in file order
  std::vector<CranfieldQuery> queries;      // queries[q].id == q + 1
  std::map<int, std::map<int, int>> qrels;  // query id -> doc id -> relevance code
};

// Reads cran.all.1400, cran.qry and cranqrel from `dir`. Field text is the
// field's lines, each trimmed, joined by single spaces; a field that occurs
// twice in a record (two records of the original file are garbled that way)
// gets the second occurrence's lines appended. `.A` and `.B` are read and
// dropped. Returns nullopt and sets *error (when error is not null) when a
// file is missing or unreadable, or malformed: a line before the first
// record, a field marker other than .I/.T/.A/.B/.W, a non-numeric or repeated
// document id, a judgement that is not three integers, names a query or
// document that does not exist, or has a code outside {-1, 1, 2, 3, 4}.
std::optional<Cranfield> LoadCranfield(const std::string& dir, std::string* error);

// Mean nDCG@k over the queries that `ranked_doc_ids` gives:
// ranked_doc_ids[q] is the ranking returned for query q + 1 (doc ids, best
// first; entries past k are ignored, a doc id repeated in a ranking counts
// only at its first rank). DCG = sum of gain / log2(rank + 1) with ranks
// from 1 and gain 5 - code (0 for code -1 and for unjudged documents); the
// ideal DCG ranks the query's judged documents by gain. Queries whose ideal
// DCG is 0 (no relevant document) are left out of the mean. Returns 0 when
// no query is left, or k <= 0.
double CranfieldNdcg(const Cranfield& c, const std::vector<std::vector<int>>& ranked_doc_ids, int k);

// Mean Recall@k over the same queries: the share of the query's relevant
// documents (codes 1..4) found in its first k results. Queries without a
// relevant document are left out; returns 0 when none is left, or k <= 0.
double CranfieldRecall(const Cranfield& c, const std::vector<std::vector<int>>& ranked_doc_ids, int k);

}  // namespace quiver::testing
