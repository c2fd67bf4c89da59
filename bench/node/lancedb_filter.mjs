#!/usr/bin/env node
// LanceDB's side of the filter benchmark (bench/filter_bench.cc runs it and
// prints both sides; bench/README.md says what each figure means).
//
//   node lancedb_filter.mjs --spec FILE --data DIR --db DIR
//
// --spec is the JSON written by filter_bench: the exact predicate strings
// (the filter, the lookups, the delete and the update), repetition counts and
// the batch size. --data holds the raw column files of bench_data.h (the
// vector file is not read: this benchmark has no vector column); --db is a
// directory this script owns (it is emptied first and removed at the end).
// Prints one JSON object on stdout; progress goes to stderr.
//
// What is timed (performance.now() around one awaited call, nothing else):
//   filter count  table.countRows(filter)
//   filter ids    table.query().where(filter).select(["id"]).toArrow()
//   lookups       table.query().where("id = K").toArrow(), whole rows, one
//                 query at a time: first without an index, then after
//                 table.createIndex("id", {config: Index.btree()})
//   delete        table.delete(predicate)
//   update        table.update({where, valuesSql: {column: expression}})
// Deletes and updates each run on a fresh copy of the table directory (made
// before the index, untimed), the first `mutate_warmup` of them untimed.
// Filters and lookups start with `warmup` untimed runs; figures are medians
// (lookups: also mean and p99).

import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import {
  buildTable,
  detailedSummary,
  lancedb,
  log,
  parseArgs,
  readColumns,
  run,
  timed,
  timedCreateTable,
  versions,
} from "./common.mjs";

// Point lookups, one query at a time; checks that each returns its row.
async function timeLookups(tbl, predicates, keys, cols, warmup) {
  const times = [];
  for (let q = 0; q < predicates.length; ++q) {
    const [ms, result] = await timed(() => tbl.query().where(predicates[q]).toArrow());
    if (result.numRows !== 1 || result.numCols !== 4) {
      throw new Error(`"${predicates[q]}" returned ${result.numRows} rows x ${result.numCols} columns, expected 1 x 4`);
    }
    const k = keys[q];
    if (Number(result.getChild("id").get(0)) !== k || result.getChild("price").get(0) !== cols.price[k]) {
      throw new Error(`"${predicates[q]}" returned another row`);
    }
    if (q >= warmup) times.push(ms);
  }
  return detailedSummary(times);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), { spec: "", data: "", db: "" }, ["spec", "data", "db"]);
  const spec = JSON.parse(readFileSync(opts.spec, "utf8"));
  const cols = readColumns(opts.data);
  const table = buildTable(cols, spec.batch_rows);
  const out = { peer: "lancedb" };

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });
  const dbDir = join(opts.db, "db");

  // Ingest (untimed for the targets; reported for reference).
  {
    const ms = await timedCreateTable(dbDir, table);
    out.ingest_ms = ms;
    log(`ingest: ${ms.toFixed(0)} ms`);
  }

  // Delete and update 1 %, each on a fresh copy of the table (no index yet).
  async function mutate(what, op, verify) {
    const times = [];
    let rows = 0;
    for (let r = 0; r < spec.mutate_warmup + spec.mutate_reps; ++r) {
      const copy = join(opts.db, "mutate");
      rmSync(copy, { recursive: true, force: true });
      cpSync(dbDir, copy, { recursive: true });
      const db = await lancedb.connect(copy);
      const tbl = await db.openTable("bench");
      const [ms, n] = await timed(() => op(tbl));
      if (r >= spec.mutate_warmup) times.push(ms);
      rows = n;
      await verify(tbl);
      tbl.close();
      db.close();
      rmSync(copy, { recursive: true, force: true });
    }
    out[`${what}_ms`] = detailedSummary(times);
    out[`${what}_rows`] = rows;
    log(`${what}: median ${out[`${what}_ms`].median.toFixed(1)} ms, ${rows} rows`);
  }
  await mutate(
    "delete",
    async (tbl) => (await tbl.delete(spec.delete_predicate)).numDeletedRows,
    async (tbl) => {
      const left = await tbl.countRows();
      if (left !== cols.rows - spec.expected_deleted_rows) {
        throw new Error(`after the delete the table has ${left} rows`);
      }
    },
  );
  await mutate(
    "update",
    async (tbl) =>
      (
        await tbl.update({
          where: spec.update_predicate,
          valuesSql: { [spec.update_column]: spec.update_expression },
        })
      ).rowsUpdated,
    async (tbl) => {
      const rows = await tbl.countRows();
      const high = await tbl.countRows(spec.update_check);
      if (rows !== cols.rows || high !== spec.expected_update_check_rows) {
        throw new Error(
          `after the update the table has ${rows} rows, ${high} with ${spec.update_check}; ` +
            `expected ${cols.rows}, ${spec.expected_update_check_rows}`,
        );
      }
    },
  );

  const db = await lancedb.connect(dbDir);
  const tbl = await db.openTable("bench");
  if ((await tbl.countRows()) !== cols.rows) throw new Error("the table lost rows");
  out.explain_filter = await tbl.query().where(spec.filter).select(["id"]).explainPlan();

  // Full-scan filter: the count, then the matching ids.
  const countMs = [];
  for (let r = 0; r < spec.warmup + spec.scan_reps; ++r) {
    const [ms, n] = await timed(() => tbl.countRows(spec.filter));
    if (r >= spec.warmup) countMs.push(ms);
    out.filter_count = n;
  }
  const idsMs = [];
  for (let r = 0; r < spec.warmup + spec.scan_reps; ++r) {
    const [ms, result] = await timed(() => tbl.query().where(spec.filter).select(["id"]).toArrow());
    if (r >= spec.warmup) idsMs.push(ms);
    if (result.numCols !== 1) throw new Error(`the filtered query returned ${result.numCols} columns`);
    let sum = 0;
    for (const v of result.getChild("id").toArray()) sum += Number(v);
    out.filter_ids_rows = result.numRows;
    out.filter_ids_sum = sum;
  }
  out.filter_count_ms = detailedSummary(countMs);
  out.filter_ids_ms = detailedSummary(idsMs);
  log(`filter: count median ${out.filter_count_ms.median.toFixed(1)} ms, ids median ${out.filter_ids_ms.median.toFixed(1)} ms`);

  // Point lookups without an index, then with a BTREE.
  out.explain_lookup_noindex = await tbl.query().where(spec.lookups_noindex[0]).explainPlan();
  out.lookup_noindex_ms = await timeLookups(tbl, spec.lookups_noindex, spec.lookup_keys_noindex, cols, spec.warmup);
  log(`lookup without index: p50 ${out.lookup_noindex_ms.median.toFixed(3)} ms`);
  [out.index_build_ms] = await timed(() => tbl.createIndex("id", { config: lancedb.Index.btree() }));
  out.explain_lookup_index = await tbl.query().where(spec.lookups_index[0]).explainPlan();
  out.lookup_index_ms = await timeLookups(tbl, spec.lookups_index, spec.lookup_keys_index, cols, spec.warmup);
  log(`BTREE on id built in ${out.index_build_ms.toFixed(0)} ms; lookup p50 ${out.lookup_index_ms.median.toFixed(3)} ms`);
  tbl.close();
  db.close();

  Object.assign(out, versions());
  out.rows = cols.rows;
  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
}

await run("lancedb_filter", main);
