#!/usr/bin/env node
// LanceDB's side of the storage benchmark (bench/storage_bench.cc runs it and
// prints both sides; bench/README.md says what each figure means).
//
//   node lancedb_storage.mjs --data DIR --db DIR [--batch-rows 65536]
//        [--ingest-reps 3] [--scan-reps 10] [--take-reps 50] [--warmup 3]
//        [--take-count 100]
//
// --data holds the raw column files written by storage_bench or
// bench_datagen (bench_data.h); --db is a directory this script owns (it is
// emptied first). Prints one JSON object on stdout; progress goes to stderr.
//
// What is timed (performance.now() around one awaited call, nothing else):
//   ingest  db.createTable("bench", table): from an Arrow table already in
//           memory (built from the raw files beforehand, untimed) to the
//           committed table; one call, a new database directory each rep,
//           after one untimed warm-up ingest of the first 10,000 rows.
//   scan    table.query().select(["price"]).toArrow(): every value of one
//           scalar column, as an Arrow table in JS.
//   take    table.takeOffsets(rows).toArrow() and table.takeRowIds(ids)
//           .toArrow(): `take-count` rows with all columns; each rep takes a
//           different group of rows from take.u64. Row ids are looked up once,
//           untimed, from query().withRowId().
// Reported times are medians over the reps, after `warmup` untimed runs.

import { readdirSync, rmSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

import {
  buildTable,
  lancedb,
  log,
  median,
  parseArgs,
  readColumns,
  readTyped,
  run,
  summary,
  timed,
  timedCreateTable,
  versions,
} from "./common.mjs";

// Rows of the untimed warm-up ingest.
const kWarmupRows = 10000;

// Sum of the sizes of the regular files under `dir` (apparent sizes).
function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

// Checks that a take returned exactly the rows asked for (id == row number).
function checkTake(result, offsets) {
  if (result.numRows !== offsets.length || result.numCols !== 5) {
    throw new Error(`take returned ${result.numRows} rows x ${result.numCols} columns, expected ${offsets.length} x 5`);
  }
  const got = Array.from(result.getChild("id").toArray(), Number).sort((a, b) => a - b);
  const want = offsets.map(Number).sort((a, b) => a - b);
  if (got.some((v, i) => v !== want[i])) throw new Error("take returned other rows than asked for");
}

async function main() {
  const opts = parseArgs(
    process.argv.slice(2),
    {
      data: "",
      db: "",
      "batch-rows": 65536,
      "ingest-reps": 3,
      "scan-reps": 10,
      "take-reps": 50,
      warmup: 3,
      "take-count": 100,
    },
    ["data", "db"],
  );
  const cols = {
    ...readColumns(opts.data),
    vector: readTyped(join(opts.data, "vector.f32"), Float32Array),
    take: readTyped(join(opts.data, "take.u64"), BigUint64Array),
  };
  const [prepareMs, table] = await timed(() => buildTable(cols, opts["batch-rows"]));
  log(`${cols.rows} rows read and built into an Arrow table in ${prepareMs.toFixed(0)} ms (untimed)`);

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });

  // One untimed ingest of a few rows first: the first createTable of a
  // process also pays for native start-up (thread pools, allocators).
  {
    const warmDir = join(opts.db, "warmup");
    const small = buildTable({ ...cols, rows: Math.min(cols.rows, kWarmupRows) }, opts["batch-rows"]);
    await timedCreateTable(warmDir, small);
    rmSync(warmDir, { recursive: true, force: true });
  }

  // Ingest: a fresh database per rep; only the last one is kept for reads.
  const ingestMs = [];
  const tableBytes = [];
  let dbDir = "";
  for (let r = 0; r < opts["ingest-reps"]; ++r) {
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
    dbDir = join(opts.db, `ingest${r}`);
    const ms = await timedCreateTable(dbDir, table);
    ingestMs.push(ms);
    tableBytes.push(dirBytes(dbDir));
    log(`ingest rep ${r}: ${ms.toFixed(1)} ms, ${tableBytes[r]} bytes`);
  }

  const db = await lancedb.connect(dbDir);
  const tbl = await db.openTable("bench");
  const numRows = await tbl.countRows();
  if (numRows !== cols.rows) throw new Error(`table has ${numRows} rows, expected ${cols.rows}`);

  // Full scan of one scalar column.
  const scanMs = [];
  let scanSum = 0;
  for (let r = 0; r < opts.warmup + opts["scan-reps"]; ++r) {
    const [ms, result] = await timed(() => tbl.query().select(["price"]).toArrow());
    if (result.numRows !== cols.rows) throw new Error(`scan returned ${result.numRows} rows, expected ${cols.rows}`);
    if (r >= opts.warmup) scanMs.push(ms);
    if (r === 0) for (const v of result.getChild("price").toArray()) scanSum += v;
  }
  log(`scan: median ${median(scanMs).toFixed(2)} ms`);

  // Take: row groups from take.u64, one group per run (warm-ups included).
  const count = opts["take-count"];
  const groups = Math.floor(cols.take.length / count);
  if (groups < opts.warmup + opts["take-reps"]) {
    throw new Error(`take.u64 holds ${groups} groups of ${count}, need ${opts.warmup + opts["take-reps"]}`);
  }
  const group = (g) => Array.from(cols.take.subarray(g * count, (g + 1) * count), Number);
  const idsResult = await tbl.query().withRowId().select(["id"]).toArrow();
  const rowIdOf = new Array(cols.rows);
  {
    const ids = idsResult.getChild("id").toArray();
    const rowIds = idsResult.getChild("_rowid").toArray();
    for (let i = 0; i < ids.length; ++i) rowIdOf[Number(ids[i])] = rowIds[i];
  }
  const takeOffsetsMs = [];
  const takeRowIdsMs = [];
  for (let r = 0; r < opts.warmup + opts["take-reps"]; ++r) {
    const offsets = group(r);
    const [msOffsets, byOffset] = await timed(() => tbl.takeOffsets(offsets).toArrow());
    checkTake(byOffset, offsets);
    const rowIds = offsets.map((o) => rowIdOf[o]);
    const [msRowIds, byRowId] = await timed(() => tbl.takeRowIds(rowIds).toArrow());
    checkTake(byRowId, offsets);
    if (r >= opts.warmup) {
      takeOffsetsMs.push(msOffsets);
      takeRowIdsMs.push(msRowIds);
    }
  }
  log(`take: median ${median(takeOffsetsMs).toFixed(2)} ms by offset, ${median(takeRowIdsMs).toFixed(2)} ms by row id`);
  tbl.close();
  db.close();

  const out = {
    peer: "lancedb",
    ...versions(),
    rows: cols.rows,
    batch_rows: opts["batch-rows"],
    prepare_ms: prepareMs,
    ingest_ms: summary(ingestMs),
    table_bytes: tableBytes[tableBytes.length - 1],
    table_bytes_all: tableBytes,
    scan_ms: summary(scanMs),
    scan_price_sum: scanSum,
    take_count: count,
    take_offsets_ms: summary(takeOffsetsMs),
    take_row_ids_ms: summary(takeRowIdsMs),
  };
  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
}

await run("lancedb_storage", main);
