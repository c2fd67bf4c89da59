#!/usr/bin/env node
// LanceDB's side of the S3 benchmark (bench/s3_bench.cc runs it and prints
// every side; bench/README.md says what each figure means).
//
//   node lancedb_s3.mjs --data DIR --uri s3://BUCKET/PREFIX [--batch-rows 65536]
//        [--ingest-reps 3] [--queries 200] [--cold-queries 20] [--cold-start-reps 5]
//        [--warmup 1] [--nprobes 20] [--refine 10]
//
// --data holds the raw column files of bench_data.h plus queries.f32 (the
// query vectors, raw float32) and fts.json (the text queries, a JSON array of
// strings), written by s3_bench; --uri is a prefix of the bucket this script
// owns. The server comes from the environment, as scripts/s3_server.sh
// prints it: QUIVER_S3_ENDPOINT, QUIVER_S3_ACCESS_KEY, QUIVER_S3_SECRET_KEY,
// QUIVER_S3_REGION; they become LanceDB's storage options (aws_endpoint,
// aws_access_key_id, aws_secret_access_key, aws_region, allow_http).
// Prints one JSON object on stdout; progress goes to stderr.
//
// What is timed (performance.now() around one awaited call):
//   ingest      db.createTable("bench", table) from an Arrow table already in
//               memory, into a new database under --uri each rep (the one
//               before is dropped first), after one untimed ingest of the
//               first 10,000 rows
//   index       tbl.createIndex("vector", Index.ivfPq({distanceType: "l2"}))
//               and tbl.createIndex("text", Index.fts()), defaults otherwise
//   search      one query at a time, top 10, select(["id"]), toArray(), on one
//               connection after --warmup untimed passes over the queries:
//                 ivf_pq  nearestTo(v).distanceType("l2").nprobes(n).refineFactor(r)
//                 fts     fullTextSearch(new MatchQuery(q, "text")) (OR)
//                 exact   nearestTo(v).distanceType("l2").bypassVectorIndex(),
//                         only the first --cold-queries queries (every one
//                         reads the whole vector column from the bucket)
//   cold start  lancedb.connect + openTable, then the first ivf_pq search, on a
//               new connection each rep (both parts and their sum)

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { buildTable, lancedb, log, parseArgs, readColumns, readTyped, run, summary, timed, versions } from "./common.mjs";

const { Index, MatchQuery } = lancedb;

// Rows of the untimed warm-up ingest.
const kWarmupRows = 10000;
const kK = 10;

// Nearest-rank percentile (0 < p <= 1), as s3_bench computes it.
function percentile(times, p) {
  const s = [...times].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1];
}

function latencies(times) {
  return {
    p50_ms: percentile(times, 0.5),
    p95_ms: percentile(times, 0.95),
    mean_ms: times.reduce((a, b) => a + b, 0) / times.length,
    queries: times.length,
  };
}

function storageOptions() {
  const env = (name) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set (s3_bench sets it)`);
    return v;
  };
  return {
    aws_endpoint: env("QUIVER_S3_ENDPOINT"),
    aws_access_key_id: env("QUIVER_S3_ACCESS_KEY"),
    aws_secret_access_key: env("QUIVER_S3_SECRET_KEY"),
    aws_region: process.env.QUIVER_S3_REGION || "us-east-1",
    allow_http: "true",
  };
}

await run("lancedb_s3", async () => {
  const opts = parseArgs(
    process.argv.slice(2),
    {
      data: "",
      uri: "",
      "batch-rows": 65536,
      "ingest-reps": 3,
      queries: 200,
      "cold-queries": 20,
      "cold-start-reps": 5,
      warmup: 1,
      nprobes: 20,
      refine: 10,
    },
    ["data", "uri"],
  );
  // No instance metadata lookups for credentials on a machine outside AWS.
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  const connectOptions = { storageOptions: storageOptions() };
  const connect = (name) => lancedb.connect(`${opts.uri}/${name}`, connectOptions);

  const cols = { ...readColumns(opts.data), vector: readTyped(join(opts.data, "vector.f32"), Float32Array) };
  const queryVectors = readTyped(join(opts.data, "queries.f32"), Float32Array);
  const texts = JSON.parse(readFileSync(join(opts.data, "fts.json"), "utf8"));
  const nq = Math.min(opts.queries, texts.length, queryVectors.length / cols.dim);
  const vector = (i) => Array.from(queryVectors.subarray(i * cols.dim, (i + 1) * cols.dim));
  const table = buildTable(cols, opts["batch-rows"]);
  const out = { peer: "lancedb", ...versions(), rows: cols.rows };

  // One untimed ingest of a few rows first (native start-up, the first
  // connection to the server).
  {
    const db = await connect("warmup");
    const small = buildTable({ ...cols, rows: Math.min(cols.rows, kWarmupRows) }, opts["batch-rows"]);
    (await db.createTable("bench", small)).close();
    await db.dropTable("bench");
    db.close();
  }

  // Ingest: a new database per rep; the one before is dropped first.
  const ingestMs = [];
  let last = "";
  for (let r = 0; r < opts["ingest-reps"]; ++r) {
    if (last) {
      const old = await connect(last);
      await old.dropTable("bench");
      old.close();
    }
    last = `ingest${r}`;
    const db = await connect(last);
    const [ms, created] = await timed(() => db.createTable("bench", table));
    created.close();
    db.close();
    ingestMs.push(ms);
    log(`ingest rep ${r}: ${ms.toFixed(1)} ms`);
  }
  out.ingest_ms = summary(ingestMs);
  out.ingest_ms_all = ingestMs;

  const db = await connect(last);
  const tbl = await db.openTable("bench");
  const rows = await tbl.countRows();
  if (rows !== cols.rows) throw new Error(`table has ${rows} rows, expected ${cols.rows}`);
  const [ivfMs] = await timed(() =>
    tbl.createIndex("vector", { config: Index.ivfPq({ distanceType: "l2" }) }),
  );
  const [ftsMs] = await timed(() => tbl.createIndex("text", { config: Index.fts() }));
  out.index_ms = { ivf_pq: ivfMs, fts: ftsMs };
  log(`IVF_PQ built in ${ivfMs.toFixed(0)} ms, FTS in ${ftsMs.toFixed(0)} ms`);
  tbl.close();
  db.close();

  // Searches, each kind on a new connection: warm-up passes, then one timed pass.
  const kinds = {
    ivf_pq: [nq, (t, i) => t.query().nearestTo(vector(i)).distanceType("l2").nprobes(opts.nprobes).refineFactor(opts.refine)],
    fts: [nq, (t, i) => t.query().fullTextSearch(new MatchQuery(texts[i], "text"))],
    exact: [Math.min(nq, opts["cold-queries"]), (t, i) => t.query().nearestTo(vector(i)).distanceType("l2").bypassVectorIndex()],
  };
  out.search = {};
  for (const [kind, [n, makeQuery]] of Object.entries(kinds)) {
    const kindDb = await connect(last);
    const t = await kindDb.openTable("bench");
    const search = async (i) => {
      const got = await makeQuery(t, i).select(["id"]).limit(kK).toArray();
      if (got.length !== kK) throw new Error(`${kind} query ${i} returned ${got.length} rows, not ${kK}`);
    };
    for (let pass = 0; pass < opts.warmup; ++pass) for (let i = 0; i < n; ++i) await search(i);
    const times = [];
    for (let i = 0; i < n; ++i) times.push((await timed(() => search(i)))[0]);
    out.search[kind] = latencies(times);
    log(`${kind}: p50 ${out.search[kind].p50_ms.toFixed(3)} ms over ${n} queries`);
    t.close();
    kindDb.close();
  }

  // Cold start: connect + openTable, then the first IVF_PQ search.
  const open = [];
  const first = [];
  for (let r = 0; r < Math.min(nq, opts["cold-start-reps"]); ++r) {
    const [openMs, [coldDb, t]] = await timed(async () => {
      const d = await connect(last);
      return [d, await d.openTable("bench")];
    });
    const [searchMs] = await timed(() =>
      kinds.ivf_pq[1](t, r).select(["id"]).limit(kK).toArray(),
    );
    open.push(openMs);
    first.push(searchMs);
    t.close();
    coldDb.close();
  }
  out.cold_start_open_ms = summary(open);
  out.cold_start_search_ms = summary(first);
  out.cold_start_ms = summary(open.map((ms, i) => ms + first[i]));
  log(`cold start: median ${out.cold_start_ms.median.toFixed(1)} ms`);

  const cleanup = await connect(last);
  await cleanup.dropTable("bench");
  cleanup.close();
  process.stdout.write(JSON.stringify(out) + "\n");
});
