#!/usr/bin/env node
// LanceDB's side of the vector search benchmark (bench/vector_bench.cc runs
// it and prints every side; bench/README.md says what each figure means).
//
//   node lancedb_vector.mjs --spec FILE --data DIR --db DIR
//
// --spec is the JSON written by vector_bench: the query file, the sections
// to run, the index parameters and every search configuration. --data holds
// the raw column files of bench_data.h (id.i64, vector.f32 and, when the spec
// says so, category.off + category.utf8); --db is a directory this script
// owns (emptied first, removed at the end). Prints one JSON object on stdout
// with the wall time and the returned ids of every query (vector_bench
// computes recall and statistics from them); progress goes to stderr.
//
// What is timed (performance.now() around one awaited call, nothing else):
//   ingest   db.createTable("vectors", table), for reference
//   query    query.toArray() of tbl.query().nearestTo(q).distanceType("l2")
//            .select(["id"]).limit(k) plus the configuration's options
//            (bypassVectorIndex, nprobes, refineFactor, ef, where), built
//            before the timing; one query at a time, after `warmup` untimed
//            queries of the same configuration, `passes` times over the
//            queries (a query's time is its median)
//   build    tbl.createIndex("vector", {config, replace: true})
// Index size: bytes of the index directories the build added under
// _indices. Resident memory: process.memoryUsage().rss just before the build
// and just after the section's last query.

import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

import { arrow, lancedb, log, parseArgs, readTyped, run, timed, versions } from "./common.mjs";

// Sum of the sizes of the regular files under `dir`.
function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

// The index directories of the table, by name.
function indexDirs(tableDir) {
  const dir = join(tableDir, "_indices");
  if (!existsSync(dir)) return new Set();
  return new Set(readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
}

// id, vector (FixedSizeList<float32>[dim]) and, when given, category, as
// an Arrow table of `batchRows`-row batches sharing the typed arrays' memory.
function buildTable(c, batchRows) {
  const vectorType = new arrow.FixedSizeList(c.dim, new arrow.Field("item", new arrow.Float32(), true));
  const fields = [new arrow.Field("id", new arrow.Int64(), true), new arrow.Field("vector", vectorType, true)];
  if (c.category) fields.push(new arrow.Field("category", new arrow.Utf8(), true));
  const schema = new arrow.Schema(fields);
  const batches = [];
  for (let begin = 0; begin < c.rows; begin += batchRows) {
    const end = Math.min(c.rows, begin + batchRows);
    const n = end - begin;
    const children = [
      arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: c.id.subarray(begin, end) }),
      arrow.makeData({
        type: vectorType,
        length: n,
        nullCount: 0,
        child: arrow.makeData({
          type: new arrow.Float32(),
          length: n * c.dim,
          nullCount: 0,
          data: c.vector.subarray(begin * c.dim, end * c.dim),
        }),
      }),
    ];
    if (c.category) {
      const { offsets, bytes } = c.category;
      const base = offsets[begin];
      const valueOffsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; ++i) valueOffsets[i] = offsets[begin + i] - base;
      children.push(
        arrow.makeData({
          type: new arrow.Utf8(),
          length: n,
          nullCount: 0,
          valueOffsets,
          data: bytes.subarray(base, offsets[end]),
        }),
      );
    }
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return new arrow.Table(schema, batches);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), { spec: "", data: "", db: "" }, ["spec", "data", "db"]);
  const spec = JSON.parse(readFileSync(opts.spec, "utf8"));
  const meta = JSON.parse(readFileSync(join(opts.data, "meta.json"), "utf8"));
  const cols = {
    rows: meta.rows,
    dim: meta.dim,
    id: readTyped(join(opts.data, "id.i64"), BigInt64Array),
    vector: readTyped(join(opts.data, "vector.f32"), Float32Array),
    category: spec.with_category
      ? {
          offsets: readTyped(join(opts.data, "category.off"), Int32Array),
          bytes: readTyped(join(opts.data, "category.utf8"), Uint8Array),
        }
      : null,
  };
  const queries = readTyped(spec.queries_file, Float32Array);
  const nq = queries.length / cols.dim;
  const query = (i) => queries.subarray(i * cols.dim, (i + 1) * cols.dim);
  const sections = new Set(spec.sections);
  const out = { peer: "lancedb", ...versions(), rows: cols.rows, queries: nq };

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });
  const db = await lancedb.connect(opts.db);
  [out.ingest_ms] = await timed(() => db.createTable("vectors", buildTable(cols, spec.batch_rows)));
  const tbl = await db.openTable("vectors");
  const tableDir = join(opts.db, "vectors.lance");
  if ((await tbl.countRows()) !== cols.rows) throw new Error("the table lost rows");
  log(`${spec.dataset}: ingest ${out.ingest_ms.toFixed(0)} ms`);

  // Every query of one configuration, one at a time; `configure` adds the
  // configuration's options to a fresh query.
  async function runQueries(configure) {
    const make = (i) =>
      configure(tbl.query().nearestTo(query(i)).distanceType("l2").select(["id"]).limit(spec.k));
    for (let i = 0; i < spec.warmup; ++i) await make(i % nq).toArray();
    // Each query `passes` times; its latency is the median, its ids the
    // first pass's (as vector_bench times Quiver and the in-process peers).
    const times = Array.from({ length: nq }, () => []);
    const ids = [];
    for (let pass = 0; pass < (spec.passes ?? 1); ++pass) {
      for (let i = 0; i < nq; ++i) {
        const q = make(i);
        const [t, rows] = await timed(() => q.toArray());
        times[i].push(t);
        if (pass === 0) ids.push(rows.map((r) => Number(r.id)));
      }
    }
    const ms = times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
    return { ms, ids };
  }
  const probed = (r) => (q) => {
    let v = q.nprobes(r.nprobes);
    if (r.refine_factor > 0) v = v.refineFactor(r.refine_factor);
    return v;
  };

  // Builds `config` on the vector column; its time, the bytes of the index
  // directories it added, and the RSS before it.
  async function build(config) {
    const before = indexDirs(tableDir);
    const rss = process.memoryUsage.rss();
    const [ms] = await timed(() => tbl.createIndex("vector", { config, replace: true }));
    let bytes = 0;
    for (const name of indexDirs(tableDir)) {
      if (!before.has(name)) bytes += dirBytes(join(tableDir, "_indices", name));
    }
    return { build_ms: ms, index_bytes: bytes, rss_before: rss };
  }

  if (sections.has("exact")) {
    out.exact = await runQueries((q) => q.bypassVectorIndex());
    log(`${spec.dataset}: exact search done`);
  }

  if (sections.has("ivfpq") || sections.has("filter")) {
    const p = spec.ivf_pq;
    const b = await build(
      lancedb.Index.ivfPq({
        numPartitions: p.num_partitions,
        numSubVectors: p.num_sub_vectors,
        numBits: p.num_bits,
        distanceType: "l2",
        maxIterations: p.max_iterations,
        sampleRate: p.sample_rate,
      }),
    );
    log(`${spec.dataset}: IVF_PQ built in ${b.build_ms.toFixed(0)} ms, ${b.index_bytes} bytes`);
    out.ivf_pq = { build_ms: b.build_ms, index_bytes: b.index_bytes, runs: [] };
    if (sections.has("ivfpq")) {
      for (const r of spec.ivf_pq_runs) out.ivf_pq.runs.push({ ...r, ...(await runQueries(probed(r))) });
      log(`${spec.dataset}: IVF_PQ searches done`);
    }
    out.ivf_pq.rss_delta_bytes = process.memoryUsage.rss() - b.rss_before;

    if (sections.has("filter")) {
      out.filter = { runs: [] };
      for (const r of spec.filter_runs) {
        const configure = r.flat
          ? (q) => q.where(spec.filter).bypassVectorIndex()
          : (q) => probed(r)(q.where(spec.filter));
        out.filter.runs.push({ ...r, ...(await runQueries(configure)) });
      }
      log(`${spec.dataset}: filtered searches done`);
    }
  }

  if (sections.has("hnsw")) {
    const p = spec.hnsw_sq;
    const b = await build(
      lancedb.Index.hnswSq({
        numPartitions: p.num_partitions,
        m: p.m,
        efConstruction: p.ef_construction,
        distanceType: "l2",
      }),
    );
    log(`${spec.dataset}: IVF_HNSW_SQ built in ${b.build_ms.toFixed(0)} ms, ${b.index_bytes} bytes`);
    out.hnsw_sq = { build_ms: b.build_ms, index_bytes: b.index_bytes, runs: [] };
    for (const r of spec.hnsw_sq_runs) {
      const configure = r.ef > 0 ? (q) => q.ef(r.ef) : (q) => q;
      out.hnsw_sq.runs.push({ ...r, ...(await runQueries(configure)) });
    }
    out.hnsw_sq.rss_delta_bytes = process.memoryUsage.rss() - b.rss_before;
    log(`${spec.dataset}: IVF_HNSW_SQ searches done`);
  }

  tbl.close();
  db.close();
  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
}

await run("lancedb_vector", main);
