#!/usr/bin/env node
// LanceDB's side of the server benchmark (bench/server_bench.cc runs it while
// its Quiver server is up, and prints every side).
//
//   node lancedb_server.mjs --data DIR --db DIR --queries FILE --url URL --table NAME
//        [--concurrency 1,8,32] [--seconds 5] [--max-requests 20000] [--nprobes 20]
//        [--warmup 20] [--batch-rows 65536]
//
// --data holds the raw column files of bench_data.h (id.i64, vector.f32, ...);
// --queries the query vectors (raw float32, the data's dimension); --db is a
// directory this script owns (emptied first, removed at the end); --url the
// Quiver server, whose table --table already holds the same rows, indexed.
//
// Two closed-loop runs per concurrency c (c async clients in this process, each
// awaiting its answer before sending the next query, until --seconds passed or
// --max-requests were sent):
//   embedded  LanceDB's library on a local table of the same rows with an
//             IVF_PQ index of its default parameters
//   remote    LanceDB's client connected to the Quiver server (hostOverride)
// Both run tbl.query().nearestTo(q).distanceType("l2").nprobes(n).select(["id"])
// .limit(10).toArray(). Prints one JSON object on stdout:
//   {"embedded": [{concurrency, requests, seconds, rps, p50_ms, p99_ms, mean_ms}, ...],
//    "remote": [...], "index_build_ms", versions}

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { buildTable, lancedb, log, parseArgs, readColumns, readTyped, run, timed, versions } from "./common.mjs";

async function closedLoop(search, nq, clients, opts) {
  for (let c = 0; c < clients; ++c) {
    for (let i = 0; i < Math.max(1, Math.floor(opts.warmup / clients)); ++i) await search(i % nq);
  }
  let sent = 0;
  const latencies = [];
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  async function client() {
    for (let n = sent++; n < opts["max-requests"]; n = sent++) {
      const t0 = performance.now();
      if (t0 > deadline) break;
      const rows = await search((n * 7919) % nq);
      if (rows.length !== 10) throw new Error(`a search returned ${rows.length} rows, not 10`);
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - start) / 1000;
  const s = [...latencies].sort((a, b) => a - b);
  const n = s.length;
  return {
    concurrency: clients,
    requests: n,
    seconds,
    rps: n / seconds,
    p50_ms: s[Math.floor((n - 1) / 2)],
    p99_ms: s[Math.ceil(0.99 * n) - 1],
    mean_ms: s.reduce((a, b) => a + b, 0) / n,
  };
}

await run("lancedb_server.mjs", async () => {
  const opts = parseArgs(
    process.argv.slice(2),
    {
      data: "",
      db: "",
      queries: "",
      url: "",
      table: "",
      concurrency: "1,8,32",
      seconds: 5,
      "max-requests": 20000,
      nprobes: 20,
      warmup: 20,
      "batch-rows": 65536,
    },
    ["data", "db", "queries", "url", "table"],
  );
  const levels = String(opts.concurrency).split(",").map(Number);
  const cols = readColumns(opts.data);
  cols.vector = readTyped(join(opts.data, "vector.f32"), Float32Array);
  const queries = readTyped(opts.queries, Float32Array);
  const nq = queries.length / cols.dim;
  const query = (i) => Array.from(queries.subarray(i * cols.dim, (i + 1) * cols.dim));
  const out = { peer: "lancedb", ...versions(), rows: cols.rows, embedded: [], remote: [] };

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });
  const db = await lancedb.connect(opts.db);
  const local = await db.createTable("bench", buildTable(cols, opts["batch-rows"]));
  [out.index_build_ms] = await timed(() =>
    local.createIndex("vector", { config: lancedb.Index.ivfPq({ distanceType: "l2" }) }),
  );
  log(`IVF_PQ built in ${out.index_build_ms.toFixed(0)} ms`);
  const searchOn = (tbl) => (i) =>
    tbl.query().nearestTo(query(i)).distanceType("l2").nprobes(opts.nprobes).select(["id"]).limit(10).toArray();

  for (const c of levels) {
    out.embedded.push(await closedLoop(searchOn(local), nq, c, opts));
    log(`embedded, ${c} clients: ${out.embedded.at(-1).requests} searches`);
  }

  const remoteDb = await lancedb.connect("db://bench", {
    apiKey: "none",
    region: "local",
    hostOverride: opts.url,
  });
  const remote = await remoteDb.openTable(opts.table);
  for (const c of levels) {
    out.remote.push(await closedLoop(searchOn(remote), nq, c, opts));
    log(`client -> quiver serve, ${c} clients: ${out.remote.at(-1).requests} searches`);
  }
  local.close();
  db.close();
  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
});
