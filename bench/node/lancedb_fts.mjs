#!/usr/bin/env node
// LanceDB's side of the full-text search benchmark (bench/fts_bench.cc runs
// it and prints both sides; bench/README.md says what each figure means).
//
//   node lancedb_fts.mjs --spec FILE --data DIR --db DIR [--cranfield DIR]
//
// --spec is the JSON written by fts_bench: the query lists, the hybrid
// queries, `limit`, `warmup` and `batch_rows` (the format is below). --data
// holds the raw column files of bench_data.h (all of them: the table gets
// id, vector, text, category and price); --db is a directory this script
// owns (emptied first, removed at the end). --cranfield names the directory
// of the Cranfield collection (cran.all.1400, cran.qry, cranqrel; see
// shared/data/cranfield/SOURCE.md) and adds the quality section. Prints one
// JSON object on stdout with the wall time and the returned ids of every
// query (fts_bench compares them with Quiver's); progress goes to stderr.
//
// Spec (every query list may be absent or empty, and is then skipped):
//   batch_rows     number    rows per record batch of the Arrow table
//                            (optional, 65,536)
//   limit          number    results per query (optional, 10)
//   warmup         number    untimed queries before each list's timed ones
//                            (optional, 5)
//   one_term       [string]  single words: MatchQuery(q, "text")
//   two_term_or    [string]  "w1 w2": MatchQuery(q, "text") (operator OR)
//   two_term_and   [string]  "w1 w2": MatchQuery(q, "text", {operator: AND})
//   phrase         [string]  "w1 w2": PhraseQuery(q, "text") (slop 0)
//   hybrid         [{text: string, vector_row: number} or
//                   {text: string, vector: [number] (dim floats)}]
//                  text for MatchQuery (OR), and the query vector: row
//                  `vector_row` of vector.f32 or the floats given
//   hybrid_distance string   optional, "l2" (default), "cosine" or "dot"
//   hybrid_ivf_pq  optional {num_partitions: number, num_sub_vectors: number,
//                  num_bits: number (8), nprobes: number (20),
//                  refine_factor: number (0 = unset)}: build an IVF_PQ index
//                  on `vector` (with hybrid_distance) before the hybrid
//                  queries and search it with these options; when absent the
//                  vector side is a flat search (bypassVectorIndex)
//
// What is timed (performance.now() around one awaited call, nothing else):
//   ingest   db.createTable("bench", table), for reference
//   build    tbl.createIndex("text", {config: Index.fts({withPosition: true})}),
//            every other option at LanceDB's default (simple tokenizer,
//            English, stemming, stop words, ASCII folding, lower case)
//   query    query.toArray() of tbl.query().fullTextSearch(FullTextQuery)
//            .select(["id"]).limit(limit), built before the timing; one query
//            at a time, after `warmup` untimed queries of the same list
//   hybrid   the same for tbl.query().nearestTo(v).distanceType(d)
//            .fullTextSearch(MatchQuery).rerank(RRFReranker (k = 60))
//            .select(["id"]).limit(limit); the vector side is a flat search
//            unless the spec asks for an IVF_PQ index (hybrid_ivf_pq), whose
//            build tbl.createIndex("vector", {config: Index.ivfPq(...)}) is
//            timed too
// Queries go in as MatchQuery or PhraseQuery objects, never as a query
// string, so no query parser sees them. LANCEDB_LOG is "error" unless set
// (common.mjs): Lance otherwise logs a warning for every query that leaves
// _score (and, in hybrid queries, _distance) out of the projection.
//
// Cranfield: one table of the 1,400 documents (id = the .I number, text =
// title + " " + text of .W), indexed twice: with Index.fts() defaults, and
// with {stem: false, removeStopWords: false}. Each runs the 225 queries as
// MatchQuery (OR) with limit 10 (nDCG@10) and limit 100 (Recall@100). nDCG
// uses the gain 5 - code for codes 1..4 and 0 for -1 and unjudged documents,
// gain / log2(rank + 1) from rank 1, the ideal from the query's judged
// documents; Recall counts codes 1..4 as relevant; queries without a
// relevant document are left out of both means (tests/cranfield.h computes
// the same).
//
// Output (times in ms; a summary is {median, p90, mean, p99, min, max, reps}):
//   peer, lancedb_version, apache_arrow_version, node_version, rows, limit,
//   warmup, ingest_ms, index_build_ms,
//   one_term / two_term_or / two_term_and / phrase / hybrid (lists that ran):
//     {queries, latency_ms: summary, times_ms: [ms per query],
//      ids: [[id, ...] per query, best first], result_counts: [n per query]}
//   hybrid also has distance (string) and vector_index: null (flat) or
//     {type: "ivf_pq", the spec's hybrid_ivf_pq keys, build_ms}
//   cranfield (with --cranfield): {docs, queries, judgements,
//     default / no_stem_no_stop: {index_options, index_build_ms, ndcg10,
//       recall100, latency_ms (summary of the limit-10 queries),
//       ids10: [[doc id, ...] per query], ids100: [[...] per query]}}

import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import {
  arrow,
  buildTable,
  detailedSummary,
  lancedb,
  log,
  parseArgs,
  readColumns,
  readTyped,
  run,
  timed,
  versions,
} from "./common.mjs";

const { Index, MatchQuery, Operator, PhraseQuery } = lancedb;

// detailedSummary plus the 90th percentile (nearest rank).
function latencySummary(times) {
  const s = [...times].sort((a, b) => a - b);
  return { ...detailedSummary(times), p90: s[Math.ceil(0.9 * s.length) - 1] };
}

// Runs the queries `make(i)` builds (i in [0, n)), one at a time: `warmup`
// untimed ones (cycling through the list), then each once, timed.
async function timeQueries(n, warmup, make) {
  for (let i = 0; i < warmup; ++i) await make(i % n).toArray();
  const times = [];
  const ids = [];
  for (let i = 0; i < n; ++i) {
    const q = make(i);
    const [ms, rows] = await timed(() => q.toArray());
    times.push(ms);
    ids.push(rows.map((r) => Number(r.id)));
  }
  return {
    queries: n,
    latency_ms: latencySummary(times),
    times_ms: times,
    ids,
    result_counts: ids.map((x) => x.length),
  };
}

// ---- Cranfield ------------------------------------------------------------

// The records of a SMART file: [{id, fields: {T, A, B, W}}], each field's
// lines trimmed and joined by single spaces (a repeated field is appended
// to), as tests/cranfield.cc reads them.
function parseSmart(path) {
  const records = [];
  let field = null;
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith(".")) {
      const m = /^\.I (\d+)\s*$/.exec(line);
      if (m) {
        records.push({ id: Number(m[1]), fields: {} });
        field = null;
      } else if (/^\.[TABW]\s*$/.test(line) && records.length > 0) {
        field = line[1];
        const f = records[records.length - 1].fields;
        f[field] = f[field] ?? "";
      } else {
        throw new Error(`${path} line ${i + 1}: unexpected "${line}"`);
      }
      return;
    }
    const content = line.trim();
    if (!content) return;
    if (field === null) throw new Error(`${path} line ${i + 1}: text outside a field`);
    const f = records[records.length - 1].fields;
    f[field] = f[field] ? `${f[field]} ${content}` : content;
  });
  return records;
}

// {docs: [{id, title, text}], queries: [text] (query q + 1 at index q),
// qrels: Map(query id -> Map(doc id -> code)), judgements}.
function loadCranfield(dir) {
  const docs = parseSmart(join(dir, "cran.all.1400")).map((r) => ({
    id: r.id,
    title: r.fields.T ?? "",
    text: r.fields.W ?? "",
  }));
  const queries = parseSmart(join(dir, "cran.qry")).map((r) => r.fields.W ?? "");
  const qrels = new Map();
  let judgements = 0;
  for (const line of readFileSync(join(dir, "cranqrel"), "utf8").split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === "") continue;
    if (parts.length !== 3) throw new Error(`cranqrel: bad line "${line}"`);
    const [q, doc, code] = parts.map(Number);
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q).set(doc, code);
    ++judgements;
  }
  return { docs, queries, qrels, judgements };
}

const gain = (code) => (code >= 1 && code <= 4 ? 5 - code : 0);

// Mean over the queries of `measure(judged, top k ids without repeats)`,
// leaving out queries where it returns null.
function meanOverQueries(c, ranked, k, measure) {
  let sum = 0;
  let counted = 0;
  ranked.forEach((ids, q) => {
    const judged = c.qrels.get(q + 1) ?? new Map();
    const top = [...new Set(ids)].slice(0, k);
    const value = measure(judged, top);
    if (value !== null) {
      sum += value;
      ++counted;
    }
  });
  return counted ? sum / counted : 0;
}

function ndcg(c, ranked, k) {
  return meanOverQueries(c, ranked, k, (judged, top) => {
    const gains = [...judged.values()].map(gain).sort((a, b) => b - a);
    let ideal = 0;
    for (let r = 0; r < Math.min(k, gains.length); ++r) ideal += gains[r] / Math.log2(r + 2);
    if (ideal <= 0) return null;
    let dcg = 0;
    top.forEach((doc, r) => {
      dcg += gain(judged.get(doc) ?? 0) / Math.log2(r + 2);
    });
    return dcg / ideal;
  });
}

function recall(c, ranked, k) {
  return meanOverQueries(c, ranked, k, (judged, top) => {
    const relevant = [...judged.values()].filter((code) => gain(code) > 0).length;
    if (relevant === 0) return null;
    return top.filter((doc) => gain(judged.get(doc) ?? 0) > 0).length / relevant;
  });
}

// Builds table `name` of the Cranfield documents in `db`, indexes it with
// `options` and runs the queries; the figures of that configuration.
async function cranfieldRun(db, c, name, options, warmup) {
  const table = new arrow.Table({
    id: arrow.vectorFromArray(
      c.docs.map((d) => BigInt(d.id)),
      new arrow.Int64(),
    ),
    text: arrow.vectorFromArray(
      c.docs.map((d) => `${d.title} ${d.text}`),
      new arrow.Utf8(),
    ),
  });
  const tbl = await db.createTable(name, table);
  const [buildMs] = await timed(() => tbl.createIndex("text", { config: Index.fts(options) }));
  const search = (limit) => (i) =>
    tbl.query().fullTextSearch(new MatchQuery(c.queries[i], "text")).select(["id"]).limit(limit);
  const top10 = await timeQueries(c.queries.length, warmup, search(10));
  const top100 = await timeQueries(c.queries.length, 0, search(100));
  tbl.close();
  const out = {
    index_options: options ?? {},
    index_build_ms: buildMs,
    ndcg10: ndcg(c, top10.ids, 10),
    recall100: recall(c, top100.ids, 100),
    latency_ms: top10.latency_ms,
    ids10: top10.ids,
    ids100: top100.ids,
  };
  log(
    `cranfield ${name}: build ${buildMs.toFixed(0)} ms, nDCG@10 ${out.ndcg10.toFixed(4)}, ` +
      `Recall@100 ${out.recall100.toFixed(4)}, median ${out.latency_ms.median.toFixed(2)} ms`,
  );
  return out;
}

// ---- main -----------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2), { spec: "", data: "", db: "", cranfield: "" }, ["spec", "data", "db"]);
  const spec = JSON.parse(readFileSync(opts.spec, "utf8"));
  const limit = spec.limit ?? 10;
  const warmup = spec.warmup ?? 5;
  const cols = readColumns(opts.data);
  cols.vector = readTyped(join(opts.data, "vector.f32"), Float32Array);
  const out = { peer: "lancedb", ...versions(), rows: cols.rows, limit, warmup };

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });
  const db = await lancedb.connect(opts.db);
  [out.ingest_ms] = await timed(() => db.createTable("bench", buildTable(cols, spec.batch_rows ?? 65536)));
  const tbl = await db.openTable("bench");
  if ((await tbl.countRows()) !== cols.rows) throw new Error("the table lost rows");
  log(`ingest: ${out.ingest_ms.toFixed(0)} ms`);

  [out.index_build_ms] = await timed(() =>
    tbl.createIndex("text", { config: Index.fts({ withPosition: true }) }),
  );
  log(`FTS index build: ${out.index_build_ms.toFixed(0)} ms`);

  const lists = {
    one_term: (q) => new MatchQuery(q, "text"),
    two_term_or: (q) => new MatchQuery(q, "text", { operator: Operator.Or }),
    two_term_and: (q) => new MatchQuery(q, "text", { operator: Operator.And }),
    phrase: (q) => new PhraseQuery(q, "text"),
  };
  for (const [name, makeQuery] of Object.entries(lists)) {
    const queries = spec[name] ?? [];
    if (!queries.length) continue;
    out[name] = await timeQueries(queries.length, warmup, (i) =>
      tbl.query().fullTextSearch(makeQuery(queries[i])).select(["id"]).limit(limit),
    );
    const s = out[name].latency_ms;
    log(`${name}: ${queries.length} queries, median ${s.median.toFixed(2)} ms, p90 ${s.p90.toFixed(2)} ms`);
  }

  const hybrid = spec.hybrid ?? [];
  if (hybrid.length) {
    const reranker = await lancedb.rerankers.RRFReranker.create();
    const distance = spec.hybrid_distance ?? "l2";
    const ivf = spec.hybrid_ivf_pq;
    let vectorIndexMs = null;
    if (ivf) {
      [vectorIndexMs] = await timed(() =>
        tbl.createIndex("vector", {
          config: Index.ivfPq({
            numPartitions: ivf.num_partitions,
            numSubVectors: ivf.num_sub_vectors,
            numBits: ivf.num_bits ?? 8,
            distanceType: distance,
          }),
        }),
      );
      log(`hybrid: IVF_PQ on vector built in ${vectorIndexMs.toFixed(0)} ms`);
    }
    // The vector side of a hybrid query: flat, or the IVF_PQ with its options.
    const vectorSide = (q) => {
      if (!ivf) return q.bypassVectorIndex();
      let v = q.nprobes(ivf.nprobes ?? 20);
      if ((ivf.refine_factor ?? 0) > 0) v = v.refineFactor(ivf.refine_factor);
      return v;
    };
    const vectors = hybrid.map((h, i) => {
      if (Array.isArray(h.vector)) {
        if (h.vector.length !== cols.dim) {
          throw new Error(`hybrid query ${i} has ${h.vector.length} floats, not ${cols.dim}`);
        }
        return Float32Array.from(h.vector);
      }
      const row = h.vector_row;
      if (!Number.isInteger(row) || row < 0 || row >= cols.rows) {
        throw new Error(`hybrid query ${i}: vector_row ${row} is not a row of the data (0..${cols.rows - 1})`);
      }
      return cols.vector.subarray(row * cols.dim, (row + 1) * cols.dim);
    });
    out.hybrid = await timeQueries(hybrid.length, warmup, (i) =>
      vectorSide(tbl.query().nearestTo(vectors[i]).distanceType(distance))
        .fullTextSearch(new MatchQuery(hybrid[i].text, "text"))
        .rerank(reranker)
        .select(["id"])
        .limit(limit),
    );
    out.hybrid.distance = distance;
    out.hybrid.vector_index = ivf ? { type: "ivf_pq", ...ivf, build_ms: vectorIndexMs } : null;
    const s = out.hybrid.latency_ms;
    log(`hybrid: ${hybrid.length} queries, median ${s.median.toFixed(2)} ms, p90 ${s.p90.toFixed(2)} ms`);
  }
  tbl.close();

  if (opts.cranfield) {
    const c = loadCranfield(opts.cranfield);
    out.cranfield = {
      docs: c.docs.length,
      queries: c.queries.length,
      judgements: c.judgements,
      default: await cranfieldRun(db, c, "cranfield", undefined, warmup),
      no_stem_no_stop: await cranfieldRun(db, c, "cranfield_plain", { stem: false, removeStopWords: false }, warmup),
    };
  }
  db.close();

  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
}

await run("lancedb_fts", main);
