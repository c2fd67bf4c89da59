#!/usr/bin/env node
// Drives LanceDB's own Node client (@lancedb/lancedb 0.39) in remote mode
// against `quiver serve` (LanceDB's REST protocol, /v1/table/...) and in
// embedded mode against a local directory, runs the same scenario on both
// and compares every answer.
//
//   node tests/node/lancedb_remote.mjs --url http://127.0.0.1:PORT --api-key KEY --local-dir DIR
//        [--table-prefix P] [--db-name NAME] [--timeout SECONDS] [--seed N] [--rows N]
//        [--trace] [--trace-all] [--only REGEX]
//   node tests/node/lancedb_remote.mjs --self-test --local-dir DIR [...]
//
//   --url         base URL of the server (the client's hostOverride)
//   --api-key     sent as x-api-key (optional: a server without keys accepts anything)
//   --local-dir   LanceDB directory of the embedded side (created if missing). With
//                 --self-test the two sides are DIR/remote and DIR/local, both embedded,
//                 which checks the scenario and the comparisons themselves
//   --table-prefix prefix of every table name (default "qvt"); tables with it are
//                 dropped on both sides first
//   --db-name     the database name of the db:// URI (default "testdb")
//   --timeout     seconds one side of one step may take (default 60); a hang fails the
//                 step instead of blocking the run
//   --seed, --rows the data (default 42 and 300 rows)
//   --trace       put a logging proxy between the client and the server and print the
//                 HTTP exchanges (method, path, JSON body, status, error body) of every
//                 failed step; --trace-all prints them for every step
//   --only        run only the steps whose name matches this regular expression (steps
//                 the scenario depends on still run, their lines are just not printed)
//
// Output: one line per step, `ok <step>` or `FAIL <step>: <details>`, indented `warn:`
// and `info:` lines below it, and a final JSON summary line. Exit status 0 only when
// every step passed.
//
// What is compared (remote against local):
//   row counts, write results (rows deleted/updated/inserted) and schemas exactly;
//   scans: the rows (every column) sorted by id; exact vector searches: ids in order,
//   _distance within 1e-4 relative; FTS and hybrid (RRF) searches: the ids beyond tied
//   scores at the cut-off must be the same set (a failure), ids, order and _score /
//   _relevance_score within 1e-3 relative (warnings, both lists printed); versions: the
//   number each write adds (absolute numbers are printed, not compared); index listings:
//   names, columns and normalized types; index statistics right after the build; table
//   stats: numRows and numIndices. Error cases must throw on both sides.
//
// The Node modules come from bench/node/node_modules (scripts/install_bench_peers.sh).

import http from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

process.env.LANCEDB_LOG = process.env.LANCEDB_LOG ?? "error";
// The same module instances LanceDB itself loads (CommonJS), so Arrow objects we
// build are the classes it expects.
const require = createRequire(new URL("../../bench/node/package.json", import.meta.url));
const lancedb = require("@lancedb/lancedb");
const arrow = require("apache-arrow");

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = {
    url: "",
    "api-key": "",
    "local-dir": "",
    "table-prefix": "qvt",
    "db-name": "testdb",
    timeout: 60,
    seed: 42,
    rows: 300,
    only: "",
    "self-test": false,
    trace: false,
    "trace-all": false,
  };
  for (let i = 0; i < argv.length; ++i) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opts) || !argv[i].startsWith("--")) throw new Error(`unknown option "${argv[i]}"`);
    if (typeof opts[key] === "boolean") {
      opts[key] = true;
      continue;
    }
    if (i + 1 >= argv.length) throw new Error(`option "${argv[i]}" needs a value`);
    const value = argv[++i];
    opts[key] = typeof opts[key] === "number" ? Number(value) : value;
  }
  if (!opts["local-dir"]) throw new Error("--local-dir is required");
  if (!opts["self-test"] && !opts.url) throw new Error("--url is required (or --self-test)");
  if (opts["trace-all"]) opts.trace = true;
  if (opts["self-test"] && opts.trace) throw new Error("--trace needs a server (not --self-test)");
  return opts;
}

// ---------------------------------------------------------------- data

// A small, fast, seeded PRNG (public-domain mulberry32 algorithm).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIM = 8;
const CATEGORIES = ["books", "music", "garden", "toys", "tools"];
// Content words in falling frequency (Zipf-like weights), with forms that stem alike
// (run/runs/running, connect/connected/connection) and a few stop words.
const WORDS = [
  "river", "stone", "light", "bridge", "forest", "market", "train", "running", "signal",
  "garden", "winter", "ocean", "runs", "copper", "cloud", "harbor", "connection", "silver",
  "valley", "connected", "lantern", "engine", "mountain", "run", "station", "quiet",
  "summer", "connect", "meadow", "canyon", "pepper", "violet", "marble", "glacier",
  "falcon", "harvest", "compass", "orchard", "thunder", "velvet", "zebra",
];
const STOP = ["the", "and", "of", "a", "is", "in"];

function makeRng(seed) {
  const rand = mulberry32(seed);
  const weights = WORDS.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const word = () => {
    let x = rand() * total;
    for (let i = 0; i < WORDS.length; ++i) {
      x -= weights[i];
      if (x <= 0) return WORDS[i];
    }
    return WORDS[WORDS.length - 1];
  };
  const sentence = () => {
    const n = 5 + Math.floor(rand() * 9);
    const parts = [];
    for (let i = 0; i < n; ++i) {
      let w = rand() < 0.2 ? STOP[Math.floor(rand() * STOP.length)] : word();
      if (i === 0) w = w[0].toUpperCase() + w.slice(1);
      if (rand() < 0.05) w = w.toUpperCase();
      if (i < n - 1 && rand() < 0.1) w += ",";
      parts.push(w);
    }
    return parts.join(" ") + ".";
  };
  const vector = () => Array.from({ length: DIM }, () => Math.fround(rand() * 2 - 1));
  const row = (id) => ({
    id,
    text: sentence(),
    category: CATEGORIES[Math.floor(rand() * CATEGORIES.length)],
    price: Math.round(rand() * 20000) / 100,
    vector: vector(),
  });
  return { rand, row, vector, sentence };
}

function tableSchema(idType, dim = DIM) {
  return new arrow.Schema([
    new arrow.Field("id", idType, true),
    new arrow.Field("text", new arrow.Utf8(), true),
    new arrow.Field("vector", new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), true)), true),
    new arrow.Field("category", new arrow.Utf8(), true),
    new arrow.Field("price", new arrow.Float64(), true),
  ]);
}

// Rows as an Arrow table with an explicit schema: Int64 id, Utf8 text, vector
// FixedSizeList<Float32>[dim], Utf8 category, Float64 price.
function arrowTable(rows, dim = DIM) {
  const schema = tableSchema(new arrow.Int64(), dim);
  const n = rows.length;
  const utf8 = (values) => arrow.vectorFromArray(values, new arrow.Utf8()).data[0];
  const flat = new Float32Array(n * dim);
  rows.forEach((r, i) => flat.set(r.vector.slice(0, dim), i * dim));
  const children = [
    arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: BigInt64Array.from(rows, (r) => BigInt(r.id)) }),
    utf8(rows.map((r) => r.text)),
    arrow.makeData({
      type: schema.fields[2].type,
      length: n,
      nullCount: 0,
      child: arrow.makeData({ type: new arrow.Float32(), length: n * dim, nullCount: 0, data: flat }),
    }),
    utf8(rows.map((r) => r.category)),
    arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: 0, data: Float64Array.from(rows, (r) => r.price) }),
  ];
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

// The data of the whole run, the same for both sides.
function makeData(seed, nrows) {
  const g = makeRng(seed);
  const initial = Array.from({ length: nrows }, (_, i) => g.row(i));
  const added = Array.from({ length: 20 }, (_, i) => g.row(nrows + i));
  // merge: 10 existing ids (changed), 5 ids deleted before the merge, 10 new ones.
  const merge = [];
  for (let id = nrows - 20; id < nrows - 10; ++id) merge.push(g.row(id));
  for (let id = nrows - 10; id < nrows - 5; ++id) merge.push(g.row(id));
  for (let id = nrows + 20; id < nrows + 30; ++id) merge.push(g.row(id));
  const queries = Array.from({ length: 3 }, () => g.vector());
  const empty = Array.from({ length: 10 }, (_, i) => g.row(10000 + i));
  return { initial, added, merge, queries, empty, nrows };
}

// ---------------------------------------------------------------- helpers

// Thrown when a step cannot run on a side because an earlier step failed there.
class SkipError extends Error {}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${what} took more than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errText(e) {
  const msg = e && e.message ? e.message : String(e);
  // Lance appends source locations (", /usr/local/cargo/.../x.rs:12:3"); keep it short.
  return msg
    .replace(/,?\s*\/\S+\.rs:\d+:\d+/g, "")
    .replace(/\s+/g, " ")
    .slice(0, 600);
}

// A JS value of a result cell in a comparable form: bigint -> number, Arrow
// vectors and typed arrays -> arrays, Dates kept.
function plainValue(v) {
  if (typeof v === "bigint") return Number(v);
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === "object") {
    if (typeof v.toArray === "function") return Array.from(v.toArray(), plainValue);
    if (ArrayBuffer.isView(v)) return Array.from(v, plainValue);
    if (Array.isArray(v)) return v.map(plainValue);
    if (typeof v.toJSON === "function") return plainValue(v.toJSON());
    const out = {};
    for (const k of Object.keys(v)) out[k] = plainValue(v[k]);
    return out;
  }
  return v;
}

function plainRows(rows) {
  return rows.map((r) => {
    const out = {};
    for (const k of Object.keys(r)) out[k] = plainValue(r[k]);
    return out;
  });
}

// toArrow() of a query: [schema summary, plain rows].
async function runQuery(q) {
  const table = await q.toArrow();
  const columns = table.schema.fields.map((f) => `${f.name}:${f.type}`);
  return { columns, rows: plainRows(table.toArray()) };
}

const byId = (a, b) => a.id - b.id;
const short = (v) => {
  const s = JSON.stringify(v, (k, x) => (typeof x === "number" && !Number.isInteger(x) ? Number(x.toPrecision(7)) : x));
  return s && s.length > 400 ? s.slice(0, 400) + "..." : s;
};
const SCORE_COLUMNS = new Set(["_distance", "_score", "_relevance_score", "_rowid"]);

function relClose(a, b, tol) {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

// Problems (strings) between two row lists compared position by position,
// score columns left out.
function diffRows(r, l, { ignore = SCORE_COLUMNS, max = 3 } = {}) {
  const problems = [];
  if (r.length !== l.length) problems.push(`row count remote ${r.length} vs local ${l.length}`);
  const n = Math.min(r.length, l.length);
  let shown = 0;
  let total = 0;
  for (let i = 0; i < n; ++i) {
    const keys = new Set([...Object.keys(r[i]), ...Object.keys(l[i])].filter((k) => !ignore.has(k)));
    const bad = [...keys].filter((k) => !deepEqual(r[i][k], l[i][k]));
    if (bad.length) {
      ++total;
      if (shown++ < max) {
        problems.push(
          `row ${i} (id ${l[i].id}) differs in ${bad.join(",")}: remote ` +
            short(Object.fromEntries(bad.map((k) => [k, r[i][k]]))) +
            " local " +
            short(Object.fromEntries(bad.map((k) => [k, l[i][k]]))),
        );
      }
    }
  }
  if (total > max) problems.push(`... ${total} rows differ in all`);
  return problems;
}

function diffColumns(r, l) {
  // Names and types must match; the order is only a warning.
  const rs = [...r].sort();
  const ls = [...l].sort();
  if (!deepEqual(rs, ls)) return { problem: `result columns remote [${r.join(", ")}] vs local [${l.join(", ")}]` };
  if (!deepEqual(r, l)) return { warn: `result column order remote [${r.join(", ")}] vs local [${l.join(", ")}]` };
  return {};
}

// Compares two ranked lists (best first) by `key` (a score, `higherBetter` or a
// distance) where ties make the cut-off and the order among equals undefined:
//  - problems: different lengths, or ids ranked strictly above the worst
//    returned score that are missing on the other side;
//  - warnings: other id, order and score differences (both lists shown).
function compareRanked(r, l, key, { tol, higherBetter }) {
  const problems = [];
  const warns = [];
  const ids = (xs) => xs.map((x) => x.id);
  const fmt = (xs) => xs.map((x) => `${x.id}:${x[key] === undefined ? "?" : Number(x[key]).toPrecision(5)}`).join(" ");
  if (r.some((x) => typeof x[key] !== "number") && r.length) problems.push(`remote rows lack a numeric ${key}`);
  if (l.some((x) => typeof x[key] !== "number") && l.length) problems.push(`local rows lack a numeric ${key}`);
  if (problems.length) return { problems, warns, infos: [] };
  if (r.length !== l.length) {
    problems.push(`${r.length} results remote vs ${l.length} local`);
  }
  const better = (a, b) => (higherBetter ? a > b : a < b);
  // Ids whose score is clearly better than the cut-off (the worst score either side returned).
  const strict = (xs, cutoff) => new Set(xs.filter((x) => better(x[key], cutoff) && !relClose(x[key], cutoff, tol)).map((x) => x.id));
  if (r.length && l.length) {
    const worst = (xs) => xs.reduce((w, x) => (better(w, x[key]) ? x[key] : w), xs[0][key]);
    const wr = worst(r);
    const wl = worst(l);
    const cutoff = better(wr, wl) ? wl : wr;
    const rIds = new Set(ids(r));
    const lIds = new Set(ids(l));
    const missing = [...strict(l, cutoff)].filter((id) => !rIds.has(id));
    const extra = [...strict(r, cutoff)].filter((id) => !lIds.has(id));
    if (missing.length || extra.length) {
      problems.push(
        `different matches: local-only ids [${missing.join(",")}], remote-only ids [${extra.join(",")}]` +
          ` (beyond ties at the cut-off)`,
      );
    }
  }
  const sameIds = deepEqual(ids(r), ids(l));
  const sameSet = r.length === l.length && deepEqual([...ids(r)].sort(), [...ids(l)].sort());
  const scoresClose = r.length === l.length && r.every((x, i) => relClose(x[key], l[i][key], tol));
  const infos = [];
  if (sameSet && scoresClose && !sameIds) {
    // Only the order among equal scores differs: LanceDB itself is not stable there.
    infos.push(`order differs among equal ${key}; remote [${fmt(r)}] local [${fmt(l)}]`);
  } else if (!sameIds || !scoresClose) {
    warns.push(`${sameIds ? `${key} values differ` : "ids/order differ"}; id:${key} remote [${fmt(r)}] local [${fmt(l)}]`);
  }
  if (problems.length) problems.push(`id:${key} remote [${fmt(r)}] local [${fmt(l)}]`);
  return { problems, warns, infos };
}

// Exact vector search: ids in the same order, _distance within 1e-4 relative;
// rows otherwise equal. Swaps among distances equal within 1e-6 are warnings.
function compareExactVector(r, l) {
  const problems = [];
  const warns = [];
  const ids = (xs) => xs.map((x) => x.id);
  if (!deepEqual(ids(r), ids(l))) {
    // Acceptable only when the distances agree position by position (the ids
    // swapped are at equal distances) and the same ids came back.
    const tieOnly =
      r.length === l.length &&
      r.every((x, i) => relClose(x._distance, l[i]._distance, 1e-6)) &&
      deepEqual([...ids(r)].sort(), [...ids(l)].sort());
    const fmt = (xs) => xs.map((x) => `${x.id}:${x._distance === undefined ? "?" : Number(x._distance).toPrecision(6)}`).join(" ");
    const msg = `ids/order differ: remote [${fmt(r)}] local [${fmt(l)}]`;
    if (tieOnly) warns.push(msg + " (only among equal distances)");
    else problems.push(msg);
    return { problems, warns };
  }
  r.forEach((x, i) => {
    if (typeof x._distance !== "number") problems.push(`remote row ${i} has no numeric _distance`);
    else if (!relClose(x._distance, l[i]._distance, 1e-4)) {
      problems.push(`id ${x.id}: _distance remote ${x._distance} vs local ${l[i]._distance}`);
    }
  });
  problems.push(...diffRows(r, l));
  return { problems, warns };
}

function schemaFields(schema) {
  return schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? "" : " not null"}`);
}

function normType(t) {
  return String(t ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

function indexSummary(list) {
  return list
    .map((i) => ({ name: i.name, type: i.indexType, columns: i.columns }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---------------------------------------------------------------- trace proxy

// An HTTP proxy on 127.0.0.1 that forwards everything to `target` as it comes
// (bodies streamed, headers kept) and records each exchange.
function startProxy(target) {
  const upstream = new URL(target);
  const log = [];
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, url: req.url, status: null, req: [], reqBytes: 0, resp: [], respBytes: 0 };
    entry.contentType = req.headers["content-type"] || "";
    log.push(entry);
    const headers = { ...req.headers };
    delete headers.connection;
    delete headers["keep-alive"];
    if (headers["transfer-encoding"]) delete headers["transfer-encoding"];
    const up = http.request(
      { host: upstream.hostname, port: upstream.port || 80, method: req.method, path: req.url, headers },
      (upRes) => {
        entry.status = upRes.statusCode;
        entry.respType = upRes.headers["content-type"] || "";
        const h = { ...upRes.headers };
        delete h.connection;
        delete h["transfer-encoding"];
        delete h["keep-alive"];
        res.writeHead(upRes.statusCode, h);
        upRes.on("data", (c) => {
          entry.respBytes += c.length;
          if (entry.respBytes <= 4096) entry.resp.push(c);
          res.write(c);
        });
        upRes.on("end", () => res.end());
        upRes.on("error", (e) => {
          entry.error = `upstream response: ${errText(e)}`;
          res.destroy();
        });
      },
    );
    up.on("error", (e) => {
      entry.error = `upstream: ${errText(e)}`;
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${errText(e)}`);
    });
    req.on("data", (c) => {
      entry.reqBytes += c.length;
      if (entry.reqBytes <= 4096) entry.req.push(c);
      up.write(c);
    });
    req.on("end", () => up.end());
  });
  return new Promise((resolve_) => {
    server.listen(0, "127.0.0.1", () => resolve_({ server, log, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

function describeExchange(e) {
  const body = (chunks, type, bytes) => {
    if (!bytes) return "";
    if (/json|text/.test(type) || !type) {
      const s = Buffer.concat(chunks).toString("utf8").replace(/\s+/g, " ");
      return bytes > 4096 ? s.slice(0, 700) + `... (${bytes} bytes)` : s.slice(0, 700);
    }
    return `<${type}, ${bytes} bytes>`;
  };
  const reqBody = body(e.req, e.contentType, e.reqBytes);
  const respBody = e.status >= 200 && e.status < 300 && /arrow/.test(e.respType || "") ? `<${e.respType}, ${e.respBytes} bytes>` : body(e.resp, e.respType || "", e.respBytes);
  return `${e.method} ${e.url}${reqBody ? ` body ${reqBody}` : ""} -> ${e.status ?? "no response"}${e.error ? ` (${e.error})` : ""}${respBody ? ` ${respBody}` : ""}`;
}

// ---------------------------------------------------------------- the runner

class Runner {
  constructor(opts, sides, proxy) {
    this.opts = opts;
    this.sides = sides; // {remote, local}
    this.proxy = proxy;
    this.results = [];
    this.only = opts.only ? new RegExp(opts.only) : null;
  }

  // Runs `fn(side)` on the remote side, then on the local side, then
  // `compare(remote, local, ctx)` (ctx.problem / ctx.warn / ctx.info). With
  // `expectError`, both sides must throw (and `compare` gets the errors).
  async step(name, fn, compare, { expectError = false } = {}) {
    const out = {};
    const traceStart = this.proxy ? this.proxy.log.length : 0;
    for (const which of ["remote", "local"]) {
      const side = this.sides[which];
      try {
        out[which] = { value: await withTimeout(Promise.resolve().then(() => fn(side)), this.opts.timeout * 1000, `${which} ${name}`) };
      } catch (e) {
        out[which] = { error: e };
      }
    }
    const problems = [];
    const warns = [];
    const infos = [];
    const ctx = {
      problem: (m) => problems.push(m),
      warn: (m) => warns.push(m),
      info: (m) => infos.push(m),
    };
    const { remote, local } = out;
    const skipped = [remote, local].filter((x) => x.error instanceof SkipError);
    if (skipped.length) {
      for (const [which, x] of Object.entries(out)) if (x.error) problems.push(`${which} skipped: ${errText(x.error)}`);
    } else if (expectError) {
      if (!remote.error) problems.push(`remote did not throw (returned ${short(plainValue(remote.value))})`);
      if (!local.error) problems.push(`local did not throw (returned ${short(plainValue(local.value))})`);
      if (remote.error) infos.push(`remote error: ${errText(remote.error)}`);
      if (local.error) infos.push(`local error: ${errText(local.error)}`);
      if (remote.error && local.error && compare) {
        try {
          compare(remote.error, local.error, ctx);
        } catch (e) {
          problems.push(`comparison threw: ${errText(e)}`);
        }
      }
    } else if (remote.error || local.error) {
      if (remote.error) problems.push(`remote threw: ${errText(remote.error)}`);
      if (local.error) problems.push(`local threw: ${errText(local.error)}`);
    } else if (compare) {
      try {
        const r = compare(remote.value, local.value, ctx);
        if (typeof r === "string") problems.push(r);
        else if (Array.isArray(r)) problems.push(...r);
      } catch (e) {
        problems.push(`comparison threw: ${errText(e)}`);
      }
    }
    const ok = problems.length === 0;
    this.results.push({ name, ok, problems, warns });
    const shown = !this.only || this.only.test(name);
    if (shown) {
      console.log(ok ? `ok ${name}` : `FAIL ${name}: ${problems.join("; ")}`);
      for (const w of warns) console.log(`  warn: ${w}`);
      for (const i of infos) console.log(`  info: ${i}`);
      if (this.proxy && (!ok || this.opts["trace-all"])) {
        for (const e of this.proxy.log.slice(traceStart)) console.log(`  http: ${describeExchange(e)}`);
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------- scenario

// Every table of the run: `kind` "arrow" (created from an Arrow table with an
// explicit schema, Int64 id) or "plain" (from JS objects: id becomes Float64).
async function tableScenario(run, kind, data, prefix) {
  const name = `${prefix}_${kind}`;
  const S = (step, fn, cmp, o) => run.step(`${kind}.${step}`, fn, cmp, o);
  const tbl = (side) => {
    const t = side.tables[kind];
    if (!t) throw new SkipError(`no handle of table "${kind}" (createTable failed on this side)`);
    return t;
  };
  const asData = (rows) => (kind === "arrow" ? arrowTable(rows) : rows.map((r) => ({ ...r })));
  const recordVersion = async (side, label) => {
    const v = await tbl(side).version();
    side.versions[kind].push({ label, version: v });
    return v;
  };
  const [q0, q1, q2] = data.queries;
  const n0 = data.nrows;

  const countEq = (expected) => (r, l, ctx) => {
    if (r !== l) return `countRows remote ${r} vs local ${l}`;
    if (expected !== undefined && l !== expected) ctx.warn(`both ${l}, expected ${expected}`);
  };
  const sortedRows = (r, l, ctx) => {
    const c = diffColumns(r.columns, l.columns);
    if (c.problem) ctx.problem(c.problem);
    if (c.warn) ctx.warn(c.warn);
    return diffRows([...r.rows].sort(byId), [...l.rows].sort(byId));
  };
  const exactVector = (r, l, ctx) => {
    const c = diffColumns(r.columns, l.columns);
    if (c.problem) ctx.problem(c.problem);
    if (c.warn) ctx.warn(c.warn);
    const res = compareExactVector(r.rows, l.rows);
    res.warns.forEach(ctx.warn);
    return res.problems;
  };
  const ranked = (key, tol, higherBetter) => (r, l, ctx) => {
    for (const [rr, ll] of [[r, l]]) {
      // An empty answer: LanceDB's embedded search returns no schema at all,
      // an Arrow answer over HTTP keeps its columns; only the rows count.
      const c = rr.rows.length || ll.rows.length ? diffColumns(rr.columns, ll.columns) : {};
      if (c.problem) ctx.problem(c.problem);
      if (c.warn) ctx.warn(c.warn);
      const res = compareRanked(rr.rows, ll.rows, key, { tol, higherBetter });
      res.problems.forEach(ctx.problem);
      res.warns.forEach(ctx.warn);
      res.infos.forEach(ctx.info);
      // Rows (other columns) of ids on both sides must agree.
      const lById = new Map(ll.rows.map((x) => [x.id, x]));
      const pairs = rr.rows.filter((x) => lById.has(x.id));
      diffRows(pairs, pairs.map((x) => lById.get(x.id))).forEach(ctx.problem);
    }
  };
  // Several labelled sub-results: {label: value}; `cmp` applied to each pair.
  const each = (cmp) => (r, l, ctx) => {
    for (const label of Object.keys(l)) {
      const sub = {
        problem: (m) => ctx.problem(`[${label}] ${m}`),
        warn: (m) => ctx.warn(`[${label}] ${m}`),
        info: (m) => ctx.info(`[${label}] ${m}`),
      };
      const res = cmp(r[label], l[label], sub);
      if (typeof res === "string") sub.problem(res);
      else if (Array.isArray(res)) res.forEach(sub.problem);
    }
  };
  const many = async (items, f) => {
    const out = {};
    for (const [label, arg] of items) out[label] = await f(arg);
    return out;
  };

  // --- create, counts, schema
  await S(
    "createTable",
    async (side) => {
      side.versions[kind] = [];
      side.tables[kind] = await side.db.createTable(name, asData(data.initial));
      return { version: await recordVersion(side, "create") };
    },
    (r, l, ctx) => ctx.info(`version after create: remote ${r.version}, local ${l.version}`),
  );
  await S(
    "openTable",
    async (side) => {
      const t = await side.db.openTable(name);
      const n = await t.countRows();
      t.close();
      return n;
    },
    countEq(n0),
  );
  await S("countRows", (side) => tbl(side).countRows(), countEq(n0));
  const filters = ["price > 100", "category = 'books'", "id >= 100 AND id < 150", "text LIKE '%river%'", "id IN (1, 2, 3, 1000)"];
  await S(
    "countRows.filter",
    (side) => many(filters.map((f) => [f, f]), (f) => tbl(side).countRows(f)),
    each(countEq()),
  );
  await S(
    "schema",
    async (side) => schemaFields(await tbl(side).schema()),
    (r, l, ctx) => {
      ctx.info(`local schema ${l.join(", ")}`);
      if (!deepEqual(r, l)) return `schema remote [${r.join(", ")}] vs local [${l.join(", ")}]`;
    },
  );

  // --- add, version
  await S(
    "add",
    async (side) => {
      const res = await tbl(side).add(asData(data.added));
      const v = await recordVersion(side, "add");
      return { result: res, version: v, count: await tbl(side).countRows() };
    },
    (r, l, ctx) => {
      ctx.info(`AddResult remote ${short(r.result)}, local ${short(l.result)}`);
      if (r.result?.version !== r.version) ctx.problem(`remote AddResult.version ${r.result?.version} but version() ${r.version}`);
      if (r.count !== l.count) ctx.problem(`countRows after add remote ${r.count} vs local ${l.count}`);
    },
  );
  await S(
    "version",
    async (side) => {
      const v = await tbl(side).version();
      return { v, delta: v - side.versions[kind][0].version };
    },
    (r, l, ctx) => {
      ctx.info(`version(): remote ${r.v}, local ${l.v} (after create + add)`);
      if (r.delta !== l.delta) return `versions added since create: remote ${r.delta} vs local ${l.delta}`;
    },
  );

  // --- plain queries
  await S("scan.all", (side) => runQuery(tbl(side).query()), sortedRows);
  await S("scan.where", (side) => runQuery(tbl(side).query().where("id < 10").limit(20)), (r, l, ctx) => {
    if (l.rows.length !== 10) ctx.warn(`local returned ${l.rows.length} rows, expected 10`);
    return sortedRows(r, l, ctx);
  });
  await S(
    "scan.select",
    (side) => runQuery(tbl(side).query().where("category = 'books' AND price < 100").select(["id", "price"]).limit(1000)),
    sortedRows,
  );
  await S(
    "scan.selectExpr",
    (side) => runQuery(tbl(side).query().where("id < 5").select({ id: "id", double_price: "price * 2" })),
    sortedRows,
  );
  await S(
    "scan.orderBy",
    (side) => runQuery(tbl(side).query().orderBy({ columnName: "price", ascending: false }).select(["id", "price"]).limit(10)),
    (r, l) => {
      const p = (x) => x.rows.map((y) => y.price);
      if (!deepEqual(p(r), p(l))) return `prices in order remote ${short(p(r))} vs local ${short(p(l))}`;
    },
  );

  // --- flat vector search
  const qs = [["q0", q0], ["q1", q1], ["q2", q2]];
  await S("vector.flat", (side) => many(qs, (q) => runQuery(tbl(side).search(q).limit(5))), each(exactVector));
  await S(
    "vector.where",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).where("category = 'books'").limit(5))),
    each(exactVector),
  );
  await S(
    "vector.postfilter",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).where("price > 150").postfilter().limit(5))),
    each(exactVector),
  );
  await S(
    "vector.select",
    (side) => many(qs, (q) => runQuery(tbl(side).vectorSearch(q).select(["id", "text"]).limit(5))),
    each(exactVector),
  );
  await S(
    "vector.cosine",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).distanceType("cosine").limit(5))),
    each(exactVector),
  );
  await S(
    "vector.dot",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).distanceType("dot").limit(5))),
    each(exactVector),
  );
  await S(
    "vector.offset",
    (side) => runQuery(tbl(side).search(q0).limit(5).offset(3)),
    exactVector,
  );
  await S(
    "vector.distanceRange",
    (side) => runQuery(tbl(side).search(q1).distanceRange(1.0, 2.5).limit(10)),
    exactVector,
  );
  // Two query vectors in one request: the answer holds each one's k rows,
  // told apart by query_index.
  await S(
    "vector.multi",
    async (side) => {
      const res = await runQuery(tbl(side).query().nearestTo(q0).addQueryVector(q2).limit(4));
      const part = (i) => ({ columns: res.columns, rows: res.rows.filter((x) => Number(x.query_index) === i) });
      return { q0: part(0), q2: part(1) };
    },
    each(exactVector),
  );

  // --- full-text search
  const listIndices = async (side) => indexSummary(await tbl(side).listIndices());
  const cmpIndices = (r, l, ctx) => {
    ctx.info(`indices remote ${short(r)}`);
    ctx.info(`indices local  ${short(l)}`);
    if (r.length !== l.length) return `${r.length} indices remote vs ${l.length} local`;
    r.forEach((x, i) => {
      const y = l[i];
      if (x.name !== y.name) ctx.problem(`index name remote "${x.name}" vs local "${y.name}"`);
      if (!deepEqual(x.columns, y.columns)) ctx.problem(`index ${y.name} columns remote ${short(x.columns)} vs local ${short(y.columns)}`);
      if (normType(x.type) !== normType(y.type)) ctx.problem(`index ${y.name} type remote "${x.type}" vs local "${y.type}"`);
    });
  };
  await S(
    "fts.createIndex",
    async (side) => {
      await tbl(side).createIndex("text", { config: lancedb.Index.fts() });
      await recordVersion(side, "fts index");
      return listIndices(side);
    },
    cmpIndices,
  );
  const words = ["river", "zebra", "running", "connection", "RIVER", "river bridge", "the", "meadow quiet"];
  const ftsRanked = ranked("_score", 1e-3, true);
  await S(
    "fts.search",
    (side) => many(words.map((w) => [w, w]), (w) => runQuery(tbl(side).search(w, "fts").limit(10))),
    each(ftsRanked),
  );
  await S(
    "fts.fullTextSearch",
    (side) => many(words.map((w) => [w, w]), (w) => runQuery(tbl(side).query().fullTextSearch(w).select(["id", "text"]).limit(10))),
    each(ftsRanked),
  );
  const allMatches = (r, l, ctx) => {
    const ids = (x) => x.rows.map((y) => y.id).sort((a, b) => a - b);
    ctx.info(`${l.rows.length} matches local, ${r.rows.length} remote`);
    const rs = new Set(ids(r));
    const ls = new Set(ids(l));
    const missing = [...ls].filter((i) => !rs.has(i));
    const extra = [...rs].filter((i) => !ls.has(i));
    if (missing.length || extra.length) {
      ctx.problem(`matching ids differ: local-only [${missing.join(",")}], remote-only [${extra.join(",")}]`);
    }
    const lScore = new Map(l.rows.map((y) => [y.id, y._score]));
    const off = r.rows.filter((y) => lScore.has(y.id) && !relClose(y._score, lScore.get(y.id), 1e-3));
    if (off.length) {
      ctx.warn(
        `_score differs for ${off.length} of ${r.rows.length} ids, e.g. ` +
          off.slice(0, 5).map((y) => `id ${y.id}: remote ${y._score} local ${lScore.get(y.id)}`).join(", "),
      );
    }
  };
  await S(
    "fts.allMatches",
    (side) => many(words.map((w) => [w, w]), (w) => runQuery(tbl(side).query().fullTextSearch(w).select(["id"]).limit(10000))),
    each(allMatches),
  );
  await S(
    "fts.where",
    (side) => runQuery(tbl(side).query().fullTextSearch("river").where("price > 100").limit(10)),
    ftsRanked,
  );
  await S(
    "fts.matchAnd",
    (side) =>
      runQuery(
        tbl(side)
          .query()
          .fullTextSearch(new lancedb.MatchQuery("river stone", "text", { operator: lancedb.Operator.And }))
          .select(["id"])
          .limit(10000),
      ),
    allMatches,
  );

  // --- hybrid
  await S(
    "hybrid.rrf",
    async (side) => {
      const rrf = await lancedb.rerankers.RRFReranker.create();
      return many(
        [["river", q0], ["connection", q1]],
        async (q) => runQuery(tbl(side).query().nearestTo(q).fullTextSearch(q === q0 ? "river" : "connection").rerank(rrf).limit(10)),
      );
    },
    each(ranked("_relevance_score", 1e-3, true)),
  );

  // --- vector index
  await S(
    "ivfpq.createIndex",
    async (side) => {
      await tbl(side).createIndex("vector", { config: lancedb.Index.ivfPq({ numPartitions: 2, numSubVectors: 2 }) });
      await recordVersion(side, "ivf_pq index");
      return listIndices(side);
    },
    cmpIndices,
  );
  await S("listIndices", listIndices, cmpIndices);
  const statsCmp = (strict) => (r, l, ctx) => {
    ctx.info(`remote ${short(r)}; local ${short(l)}`);
    if (!strict) return;
    if (l === undefined || r === undefined) {
      if (l !== r) ctx.problem(`remote ${short(r)} vs local ${short(l)}`);
      return;
    }
    for (const k of ["numIndexedRows", "numUnindexedRows"]) if (r[k] !== l[k]) ctx.problem(`${k} remote ${r[k]} vs local ${l[k]}`);
    if (normType(r.indexType) !== normType(l.indexType)) ctx.problem(`indexType remote ${r.indexType} vs local ${l.indexType}`);
    if ((r.distanceType ?? null) !== (l.distanceType ?? null)) ctx.problem(`distanceType remote ${r.distanceType} vs local ${l.distanceType}`);
  };
  await S(
    "indexStats",
    (side) => many([["vector_idx", "vector_idx"], ["text_idx", "text_idx"], ["missing", "no_such_idx"]], (n) => tbl(side).indexStats(n)),
    each(statsCmp(true)),
  );
  await S(
    "ivfpq.exactViaRefine",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).nprobes(2).refineFactor(100).limit(5))),
    each(exactVector),
  );
  // A narrow prefilter with adaptive probing: 8 rows match and 500
  // candidates are wanted, so both sides probe on through every partition
  // and the refined answer is exact.
  await S(
    "ivfpq.moreProbesForANarrowFilter",
    (side) =>
      many(qs, (q) =>
        runQuery(tbl(side).search(q).where("id < 8").minimumNprobes(1).maximumNprobes(0).refineFactor(100).limit(5)),
      ),
    each(exactVector),
  );
  await S(
    "ivfpq.bypass",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).bypassVectorIndex().limit(5))),
    each(exactVector),
  );
  await S(
    "ivfpq.approx",
    async (side) =>
      many(qs, async (q) => {
        const approx = await runQuery(tbl(side).search(q).limit(10));
        const exact = await runQuery(tbl(side).search(q).bypassVectorIndex().select(["id"]).limit(10));
        const truth = new Set(exact.rows.map((x) => x.id));
        return { n: approx.rows.length, recall: approx.rows.filter((x) => truth.has(x.id)).length / 10, ids: approx.rows.map((x) => x.id) };
      }),
    each((r, l, ctx) => {
      ctx.info(`recall@10 remote ${r.recall} local ${l.recall}; ids remote ${short(r.ids)} local ${short(l.ids)}`);
      if (r.n !== l.n) ctx.problem(`${r.n} results remote vs ${l.n} local`);
      if (r.recall + 0.3 < l.recall) ctx.warn(`remote recall ${r.recall} well below local ${l.recall}`);
    }),
  );

  // --- writes
  await S(
    "delete",
    async (side) => {
      const res = await tbl(side).delete(`id >= ${n0 - 10} AND id < ${n0}`);
      const v = await recordVersion(side, "delete");
      return { res, v, count: await tbl(side).countRows() };
    },
    (r, l, ctx) => {
      ctx.info(`DeleteResult remote ${short(r.res)}, local ${short(l.res)}`);
      if (r.res?.numDeletedRows !== l.res?.numDeletedRows) ctx.problem(`numDeletedRows remote ${r.res?.numDeletedRows} vs local ${l.res?.numDeletedRows}`);
      if (r.res?.version !== r.v) ctx.problem(`remote DeleteResult.version ${r.res?.version} but version() ${r.v}`);
      if (r.count !== l.count) ctx.problem(`countRows remote ${r.count} vs local ${l.count}`);
    },
  );
  const updateCmp = (r, l, ctx) => {
    ctx.info(`UpdateResult remote ${short(r.res)}, local ${short(l.res)}`);
    if (r.res?.rowsUpdated !== l.res?.rowsUpdated) ctx.problem(`rowsUpdated remote ${r.res?.rowsUpdated} vs local ${l.res?.rowsUpdated}`);
    if (r.res?.version !== r.v) ctx.problem(`remote UpdateResult.version ${r.res?.version} but version() ${r.v}`);
    sortedRows(r.rows, l.rows, ctx).forEach(ctx.problem);
  };
  await S(
    "update.values",
    async (side) => {
      const res = await tbl(side).update({ where: "id < 5", values: { price: 1.25, category: "sale" } });
      const v = await recordVersion(side, "update values");
      return { res, v, rows: await runQuery(tbl(side).query().where("id < 8")) };
    },
    updateCmp,
  );
  await S(
    "update.valuesSql",
    async (side) => {
      const res = await tbl(side).update({ where: "category = 'toys'", valuesSql: { text: "'updated river text'", price: "price + 1" } });
      const v = await recordVersion(side, "update valuesSql");
      return { res, v, rows: await runQuery(tbl(side).query().where("category = 'toys'")) };
    },
    updateCmp,
  );
  await S(
    "mergeInsert",
    async (side) => {
      const res = await tbl(side).mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(asData(data.merge));
      const v = await recordVersion(side, "merge insert");
      return { res, v, count: await tbl(side).countRows() };
    },
    (r, l, ctx) => {
      ctx.info(`MergeResult remote ${short(r.res)}, local ${short(l.res)}`);
      for (const k of ["numInsertedRows", "numUpdatedRows", "numDeletedRows"]) {
        if (r.res?.[k] !== l.res?.[k]) ctx.problem(`${k} remote ${r.res?.[k]} vs local ${l.res?.[k]}`);
      }
      if (r.res?.version !== r.v) ctx.problem(`remote MergeResult.version ${r.res?.version} but version() ${r.v}`);
      if (r.count !== l.count) ctx.problem(`countRows remote ${r.count} vs local ${l.count}`);
    },
  );
  await S("scan.afterWrites", (side) => runQuery(tbl(side).query()), sortedRows);
  await S(
    "vector.afterWrites",
    (side) =>
      many(
        [["bypass q0", [q0, true]], ["bypass q1", [q1, true]], ["refine q0", [q0, false]], ["refine q2", [q2, false]]],
        ([q, bypass]) => runQuery(bypass ? tbl(side).search(q).bypassVectorIndex().limit(5) : tbl(side).search(q).nprobes(2).refineFactor(100).limit(5)),
      ),
    each(exactVector),
  );
  // After writes the two score with different statistics, by design: LanceDB
  // with those of the index as built (rows written since do not count),
  // Quiver with those of the index and the rows written since together
  // (docs/guide.md, "Freshness"), so scores and the top 10 may differ.
  // The sets of matching rows must not (fts.allMatches.afterWrites); here
  // differences are warnings.
  const ftsRankedAfterWrites = (r, l, ctx) => ftsRanked(r, l, { ...ctx, problem: (m) => ctx.warn(m) });
  await S(
    "fts.afterWrites",
    (side) => many([["river", "river"], ["updated", "updated"], ["zebra", "zebra"]], (w) => runQuery(tbl(side).search(w, "fts").limit(10))),
    each(ftsRankedAfterWrites),
  );
  await S(
    "fts.allMatches.afterWrites",
    (side) => many([["river", "river"], ["updated", "updated"], ["stone", "stone"]], (w) => runQuery(tbl(side).query().fullTextSearch(w).select(["id"]).limit(10000))),
    each(allMatches),
  );
  await S(
    "indexStats.afterWrites",
    (side) => many([["vector_idx", "vector_idx"], ["text_idx", "text_idx"]], (n) => tbl(side).indexStats(n)),
    each(statsCmp(false)),
  );

  // --- columns
  const schemaAndRows = async (side, select) => ({
    schema: schemaFields(await tbl(side).schema()),
    rows: await runQuery(tbl(side).query().where("id < 20").select(select)),
  });
  const cmpSchemaRows = (r, l, ctx) => {
    if (!deepEqual(r.schema, l.schema)) ctx.problem(`schema remote [${r.schema.join(", ")}] vs local [${l.schema.join(", ")}]`);
    if (r.res && l.res) ctx.info(`result remote ${short(r.res)}, local ${short(l.res)}`);
    if (r.res && r.res.version !== r.v) ctx.problem(`remote result version ${r.res.version} but version() ${r.v}`);
    if (r.rows) sortedRows(r.rows, l.rows, ctx).forEach(ctx.problem);
  };
  await S(
    "addColumns",
    async (side) => {
      const res = await tbl(side).addColumns([{ name: "price2", valueSql: "price * 2" }, { name: "tag", valueSql: "'t'" }]);
      const v = await recordVersion(side, "add columns");
      return { res, v, ...(await schemaAndRows(side, ["id", "price", "price2", "tag"])) };
    },
    cmpSchemaRows,
  );
  await S(
    "alterColumns",
    async (side) => {
      const res = await tbl(side).alterColumns([{ path: "price2", rename: "double_price" }]);
      const v = await recordVersion(side, "alter columns");
      return { res, v, ...(await schemaAndRows(side, ["id", "double_price"])) };
    },
    cmpSchemaRows,
  );
  await S(
    "dropColumns",
    async (side) => {
      const res = await tbl(side).dropColumns(["double_price", "tag"]);
      const v = await recordVersion(side, "drop columns");
      return { res, v, schema: schemaFields(await tbl(side).schema()) };
    },
    cmpSchemaRows,
  );

  // --- versions
  await S(
    "listVersions",
    async (side) => {
      const list = await tbl(side).listVersions();
      const base = side.versions[kind][0].version;
      return {
        versions: list.map((v) => v.version),
        since: list.filter((v) => v.version >= base).length,
        timestampsOk: list.every((v) => v.timestamp instanceof Date && !Number.isNaN(v.timestamp.getTime())),
        latest: await tbl(side).version(),
      };
    },
    (r, l, ctx) => {
      ctx.info(`versions remote ${short(r.versions)}; local ${short(l.versions)}`);
      if (r.since !== l.since) ctx.problem(`versions since create: remote ${r.since} vs local ${l.since}`);
      if (!r.timestampsOk) ctx.problem("remote versions lack valid timestamps");
      if (r.versions.length && Math.max(...r.versions) !== r.latest) ctx.problem(`remote newest listed version ${Math.max(...r.versions)} but version() ${r.latest}`);
      const sorted = [...r.versions].sort((a, b) => a - b);
      if (!deepEqual(sorted, r.versions) && !deepEqual([...sorted].reverse(), r.versions)) ctx.warn("remote versions not in order");
    },
  );
  await S(
    "versions",
    async (side) => side.versions[kind].map((x) => ({ ...x })),
    (r, l, ctx) => {
      ctx.info(`remote ${r.map((x) => `${x.label}=${x.version}`).join(", ")}`);
      ctx.info(`local  ${l.map((x) => `${x.label}=${x.version}`).join(", ")}`);
      // The version each write adds, between consecutive writes recorded on both sides.
      if (!r.length) return "no version recorded on remote (createTable failed)";
      const rv = new Map(r.map((x) => [x.label, x.version]));
      const both = l.filter((x) => rv.has(x.label));
      if (both.length < l.length) ctx.warn(`not recorded on remote (the step failed): ${l.filter((x) => !rv.has(x.label)).map((x) => x.label).join(", ")}`);
      const bad = [];
      for (let i = 1; i < both.length; ++i) {
        const dl = both[i].version - both[i - 1].version;
        const dr = rv.get(both[i].label) - rv.get(both[i - 1].label);
        if (dl !== dr) bad.push(`${both[i - 1].label} -> ${both[i].label}: remote +${dr}, local +${dl}`);
      }
      if (bad.length) return `version increments differ: ${bad.join("; ")}`;
    },
  );
  const versionOf = (side, label) => {
    const e = side.versions[kind].find((x) => x.label === label);
    if (!e) throw new SkipError(`no recorded version "${label}" (an earlier step failed on this side)`);
    return e.version;
  };
  await S(
    "checkout",
    async (side) => {
      const t = tbl(side);
      const target = versionOf(side, "add");
      await t.checkout(target);
      const out = { target };
      try {
        out.version = await t.version();
        out.count = await t.countRows();
        out.rows = await runQuery(t.query().where("id >= 280"));
        out.schema = schemaFields(await t.schema());
        try {
          await t.add(asData(data.added.slice(0, 1)));
          out.writeError = null;
        } catch (e) {
          out.writeError = errText(e);
        }
      } finally {
        await t.checkoutLatest();
      }
      out.latestCount = await t.countRows();
      out.latestVersion = await t.version();
      return out;
    },
    (r, l, ctx) => {
      ctx.info(`checked out remote ${r.target} (version() ${r.version}), local ${l.target} (version() ${l.version})`);
      if (r.version !== r.target) ctx.problem(`remote version() ${r.version} after checkout(${r.target})`);
      if (r.count !== l.count) ctx.problem(`countRows at the old version remote ${r.count} vs local ${l.count}`);
      sortedRows(r.rows, l.rows, ctx).forEach(ctx.problem);
      if (!deepEqual(r.schema, l.schema)) ctx.problem(`old schema remote [${r.schema.join(", ")}] vs local [${l.schema.join(", ")}]`);
      if ((r.writeError === null) !== (l.writeError === null)) {
        ctx.problem(`write on a checked-out version: remote ${r.writeError ?? "succeeded"}, local ${l.writeError ?? "succeeded"}`);
      }
      if (r.latestCount !== l.latestCount) ctx.problem(`countRows after checkoutLatest remote ${r.latestCount} vs local ${l.latestCount}`);
    },
  );
  await S(
    "restore",
    async (side) => {
      const t = tbl(side);
      await t.checkout(versionOf(side, "delete"));
      await t.restore();
      const v = await recordVersion(side, "restore");
      return {
        v,
        count: await t.countRows(),
        schema: schemaFields(await t.schema()),
        rows: await runQuery(t.query()),
      };
    },
    (r, l, ctx) => {
      if (r.count !== l.count) ctx.problem(`countRows after restore remote ${r.count} vs local ${l.count}`);
      if (!deepEqual(r.schema, l.schema)) ctx.problem(`schema after restore remote [${r.schema.join(", ")}] vs local [${l.schema.join(", ")}]`);
      sortedRows(r.rows, l.rows, ctx).forEach(ctx.problem);
    },
  );
  await S("listIndices.afterRestore", listIndices, cmpIndices);
  await S(
    "vector.afterRestore",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).nprobes(2).refineFactor(100).limit(5))),
    each(exactVector),
  );
  await S(
    "fts.afterRestore",
    (side) => many([["river", "river"], ["connection", "connection"]], (w) => runQuery(tbl(side).search(w, "fts").limit(10))),
    each(ftsRanked),
  );
  await S(
    "stats",
    (side) => tbl(side).stats(),
    (r, l, ctx) => {
      ctx.info(`remote ${short(r)}`);
      ctx.info(`local  ${short(l)}`);
      if (r.numRows !== l.numRows) ctx.problem(`numRows remote ${r.numRows} vs local ${l.numRows}`);
      if (r.numIndices !== l.numIndices) ctx.problem(`numIndices remote ${r.numIndices} vs local ${l.numIndices}`);
      if (!(r.totalBytes > 0)) ctx.problem(`remote totalBytes ${r.totalBytes}`);
      if (!r.fragmentStats || typeof r.fragmentStats.numFragments !== "number") ctx.problem("remote fragmentStats missing");
    },
  );
  await S(
    "dropIndex",
    async (side) => {
      await tbl(side).dropIndex("vector_idx");
      await recordVersion(side, "drop index");
      return listIndices(side);
    },
    cmpIndices,
  );
  await S("dropIndex.missing", (side) => tbl(side).dropIndex("no_such_idx"), null, { expectError: true });
  await S(
    "vector.afterDropIndex",
    (side) => many(qs, (q) => runQuery(tbl(side).search(q).limit(5))),
    each(exactVector),
  );

  // --- errors on this table
  await S(
    "error.addWrongDimArrow",
    (side) => tbl(side).add(arrowTable(data.added.slice(0, 2), 3)),
    null,
    { expectError: true },
  );
  await S("countRows.afterErrors", (side) => tbl(side).countRows(), countEq());
  await S("error.badFilter", (side) => runQuery(tbl(side).query().where("no_such_column > 1")), null, { expectError: true });
  await S("error.queryWrongDim", (side) => runQuery(tbl(side).search([1, 2, 3]).limit(5)), null, { expectError: true });
}

async function scenario(run, data, prefix) {
  const S = (name, fn, cmp, o) => run.step(name, fn, cmp, o);
  const ours = (names) => names.filter((n) => n.startsWith(`${prefix}_`)).sort();

  await S("cleanup", async (side) => {
    for (const n of ours(await side.db.tableNames())) await side.db.dropTable(n);
    return ours(await side.db.tableNames());
  }, (r, l) => {
    if (r.length || l.length) return `tables left: remote ${short(r)}, local ${short(l)}`;
  });

  await tableScenario(run, "arrow", data, prefix);
  await tableScenario(run, "plain", data, prefix);

  // A table created empty from a schema, then filled.
  const emptyName = `${prefix}_empty`;
  await S(
    "empty.createEmptyTable",
    async (side) => {
      side.tables.empty = await side.db.createEmptyTable(emptyName, tableSchema(new arrow.Int64()));
      return { count: await side.tables.empty.countRows(), schema: schemaFields(await side.tables.empty.schema()) };
    },
    (r, l) => {
      const p = [];
      if (r.count !== l.count) p.push(`countRows remote ${r.count} vs local ${l.count}`);
      if (!deepEqual(r.schema, l.schema)) p.push(`schema remote [${r.schema.join(", ")}] vs local [${l.schema.join(", ")}]`);
      return p;
    },
  );
  await S(
    "empty.add",
    async (side) => {
      const t = side.tables.empty;
      if (!t) throw new SkipError("no handle of table \"empty\" (createEmptyTable failed on this side)");
      await t.add(arrowTable(data.empty));
      return { count: await t.countRows(), rows: await runQuery(t.query()) };
    },
    (r, l, ctx) => {
      if (r.count !== l.count) ctx.problem(`countRows remote ${r.count} vs local ${l.count}`);
      diffRows([...r.rows.rows].sort(byId), [...l.rows.rows].sort(byId)).forEach(ctx.problem);
    },
  );
  await S(
    "empty.addPlainObjectsWrongDim",
    async (side) => {
      // LanceDB's client converts JS objects to the table's schema itself (a
      // short vector is padded); both sides must end up alike.
      const t = side.tables.empty;
      if (!t) throw new SkipError("no handle of table \"empty\" (createEmptyTable failed on this side)");
      let error = null;
      try {
        await t.add([{ ...data.empty[0], id: 20000, vector: [1, 2, 3] }]);
      } catch (e) {
        error = errText(e);
      }
      return { error, rows: await runQuery(t.query().where("id = 20000")) };
    },
    (r, l, ctx) => {
      ctx.info(`remote: ${r.error ?? `accepted, stored ${short(r.rows.rows)}`}; local: ${l.error ?? `accepted, stored ${short(l.rows.rows)}`}`);
      if ((r.error === null) !== (l.error === null)) ctx.problem(`remote ${r.error ? "threw" : "accepted"}, local ${l.error ? "threw" : "accepted"}`);
      diffRows(r.rows.rows, l.rows.rows).forEach(ctx.problem);
    },
  );
  await S(
    "empty.createTable.overwrite",
    async (side) => {
      side.tables.empty = await side.db.createTable(emptyName, arrowTable(data.empty.slice(0, 4)), { mode: "overwrite" });
      return { count: await side.tables.empty.countRows(), rows: await runQuery(side.tables.empty.query()) };
    },
    (r, l, ctx) => {
      if (r.count !== l.count) ctx.problem(`countRows remote ${r.count} vs local ${l.count}`);
      diffRows([...r.rows.rows].sort(byId), [...l.rows.rows].sort(byId)).forEach(ctx.problem);
    },
  );
  await S(
    "empty.createTable.existOk",
    async (side) => {
      const t = await side.db.createTable(emptyName, arrowTable(data.empty.slice(0, 2)), { existOk: true });
      const n = await t.countRows();
      t.close();
      return n;
    },
    (r, l) => (r !== l ? `countRows remote ${r} vs local ${l}` : undefined),
  );

  await S(
    "tableNames",
    async (side) => ours(await side.db.tableNames()),
    (r, l, ctx) => {
      ctx.info(`remote ${short(r)}, local ${short(l)}`);
      if (!deepEqual(r, l)) return `tableNames remote ${short(r)} vs local ${short(l)}`;
    },
  );
  await S(
    "tableNames.paged",
    async (side) => {
      const first = await side.db.tableNames({ limit: 1 });
      const rest = first.length ? await side.db.tableNames({ startAfter: first[0] }) : [];
      return { first, rest: ours(rest) };
    },
    (r, l) => {
      if (r.first.length !== l.first.length) return `tableNames({limit: 1}) remote ${short(r.first)} vs local ${short(l.first)}`;
      // Other tables may exist on either side; compare only ours after the first page.
      const ourR = ours([...r.first, ...r.rest]);
      const ourL = ours([...l.first, ...l.rest]);
      if (!deepEqual(ourR, ourL)) return `pages remote ${short(r)} vs local ${short(l)}`;
    },
  );

  // --- errors at the database level
  const missing = `${prefix}_missing`;
  await S(
    "error.openMissing",
    async (side) => {
      // Remote openTable is lazy: the first call that reaches the server fails.
      const t = await side.db.openTable(missing);
      return await t.countRows();
    },
    (r, l, ctx) => {
      if (!/not (be )?found|does not exist|no such/i.test(errText(r))) ctx.warn(`remote error does not say "not found": ${errText(r)}`);
    },
    { expectError: true },
  );
  await S(
    "error.createExisting",
    (side) => side.db.createTable(`${prefix}_arrow`, arrowTable(data.added.slice(0, 2))),
    (r, l, ctx) => {
      if (!/already exists/i.test(errText(r))) ctx.problem(`remote error does not say "already exists": ${errText(r)}`);
    },
    { expectError: true },
  );
  await S(
    "error.createExisting.unchanged",
    async (side) => {
      const t = await side.db.openTable(`${prefix}_arrow`);
      const n = await t.countRows();
      t.close();
      return n;
    },
    (r, l) => (r !== l ? `countRows remote ${r} vs local ${l}` : undefined),
  );
  await S("error.dropMissing", (side) => side.db.dropTable(missing), null, { expectError: true });

  // --- drop everything
  for (const kind of ["arrow", "plain", "empty"]) {
    await S(
      `${kind}.dropTable`,
      async (side) => {
        side.tables[kind]?.close();
        delete side.tables[kind];
        await side.db.dropTable(`${prefix}_${kind}`);
        return (await side.db.tableNames()).includes(`${prefix}_${kind}`);
      },
      (r, l) => {
        if (r || l) return `still listed after dropTable: remote ${r}, local ${l}`;
      },
    );
  }
  await S(
    "error.openDropped",
    async (side) => {
      const t = await side.db.openTable(`${prefix}_arrow`);
      return await t.countRows();
    },
    null,
    { expectError: true },
  );
  await S("tableNames.afterDrop", async (side) => ours(await side.db.tableNames()), (r, l) => {
    if (r.length || l.length) return `tables left: remote ${short(r)}, local ${short(l)}`;
  });
}

// ---------------------------------------------------------------- main

function lancedbVersion() {
  try {
    const path = new URL("../../bench/node/node_modules/@lancedb/lancedb/package.json", import.meta.url);
    return JSON.parse(readFileSync(path, "utf8")).version;
  } catch {
    return "unknown";
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const localDir = resolve(opts["local-dir"]);
  mkdirSync(localDir, { recursive: true });
  let proxy = null;
  let remoteDb;
  let localDb;
  if (opts["self-test"]) {
    mkdirSync(join(localDir, "remote"), { recursive: true });
    mkdirSync(join(localDir, "local"), { recursive: true });
    remoteDb = await lancedb.connect(join(localDir, "remote"));
    localDb = await lancedb.connect(join(localDir, "local"));
  } else {
    let url = opts.url.replace(/\/+$/, "");
    if (opts.trace) {
      proxy = await startProxy(url);
      url = proxy.url;
    }
    remoteDb = await lancedb.connect(`db://${opts["db-name"]}`, {
      apiKey: opts["api-key"] || "none",
      region: "local",
      hostOverride: url,
      clientConfig: {
        retryConfig: { retries: 0, connectRetries: 0, readRetries: 0 },
        timeoutConfig: { timeout: opts.timeout },
      },
    });
    localDb = await lancedb.connect(localDir);
  }
  const mkSide = (name, db) => ({ name, db, tables: {}, versions: {} });
  const run = new Runner(opts, { remote: mkSide("remote", remoteDb), local: mkSide("local", localDb) }, proxy);
  const data = makeData(opts.seed, opts.rows);
  const started = Date.now();
  try {
    await scenario(run, data, opts["table-prefix"]);
  } catch (e) {
    run.results.push({ name: "scenario", ok: false, problems: [`scenario aborted: ${errText(e)}`], warns: [] });
    console.log(`FAIL scenario: aborted: ${e.stack ?? e}`);
  }
  const failed = run.results.filter((r) => !r.ok);
  const summary = {
    mode: opts["self-test"] ? "self-test" : "remote",
    url: opts["self-test"] ? null : opts.url,
    lancedb_version: lancedbVersion(),
    steps: run.results.length,
    passed: run.results.length - failed.length,
    failed: failed.length,
    warnings: run.results.reduce((n, r) => n + r.warns.length, 0),
    failed_steps: failed.map((r) => r.name),
    seconds: (Date.now() - started) / 1000,
  };
  console.log(JSON.stringify(summary));
  for (const side of Object.values(run.sides)) {
    for (const t of Object.values(side.tables)) {
      try {
        t.close();
      } catch {}
    }
    try {
      side.db.close();
    } catch {}
  }
  if (proxy) proxy.server.close();
  process.exit(failed.length ? 1 : 0);
}

// The comparison helpers, for checking them in isolation.
export { compareRanked, compareExactVector, diffRows, makeData };

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`lancedb_remote: ${e.stack ?? e}`);
    console.log(JSON.stringify({ error: errText(e) }));
    process.exit(2);
  });
}
