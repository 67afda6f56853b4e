// arangojs (10.x) session against Orbit's ArangoDB listener, run by tests/tests/e2e/aql.rs.
//
// Usage: node arango_session.cjs DRIVER_DIR URL ROOT_PASSWORD
// DRIVER_DIR holds node_modules/arangojs (installed outside the clone by scripts/test.sh).
// Prints one line per step; the Rust test holds what ArangoDB answers.
"use strict";

const path = require("path");

const [dir, url, password] = process.argv.slice(2);
const { Database, aql } = require(path.join(dir, "node_modules", "arangojs"));

function out(...words) {
  console.log(words.map((w) => (typeof w === "string" ? w : JSON.stringify(w))).join(" "));
}

async function failure(promise) {
  try {
    await promise;
    return "accepted";
  } catch (e) {
    return `${e.name} ${e.code} ${e.errorNum}`;
  }
}

async function main() {
  const sys = new Database({ url, databaseName: "_system", auth: { username: "root", password } });
  const version = await sys.version();
  out("version", version.server, version.version.split(".")[0]);

  // Databases with users.
  await sys.createDatabase("js_db", { users: [{ username: "jay", passwd: "jpw" }] });
  out("databases", (await sys.listDatabases()).includes("js_db"));
  out("access", await sys.getUserAccessLevel("jay", { database: "js_db" }));
  const db = new Database({ url, databaseName: "js_db", auth: { username: "jay", password: "jpw" } });

  // Collections and documents.
  const items = await db.createCollection("items");
  const props = await items.properties();
  out("collection", props.name, props.type);
  const meta = await items.save({ _key: "a", v: 1, tags: ["x"] });
  out("save", meta._id, typeof meta._rev);
  const many = await items.saveAll([{ _key: "b", v: 2 }, { _key: "a", v: 9 }, { _key: "c", v: 3 }, { v: 4, _key: "d" }]);
  out("saveAll", many.map((r) => (r.error ? `error:${r.errorNum}` : r._key)));
  out("count", (await items.count()).count);
  const a = await items.document("a");
  out("document", a.v, a.tags, a._rev === meta._rev, await items.document("zz", { graceful: true }));
  out("stale", await failure(items.update("a", { v: 5 }, { ifMatch: "_aaaaaaaaaa" })));
  const updated = await items.update("a", { v: 5, tags: null }, { returnNew: true, keepNull: false });
  out("update", updated.new.v, Object.keys(updated.new).filter((k) => !k.startsWith("_")).sort());
  const removed = await items.remove("d", { returnOld: true });
  out("remove", removed.old.v, await items.documentExists("d"));

  // Indexes.
  const index = await items.ensureIndex({ type: "persistent", fields: ["v"], name: "by_v" });
  out("index", index.type, index.fields, index.isNewlyCreated);
  out("indexes", (await items.indexes()).map((i) => i.type).sort());

  // AQL with bind variables and cursor paging.
  const cursor = await db.query(aql`FOR i IN ${items} FILTER i.v >= ${2} SORT i.v RETURN i._key`, {
    batchSize: 2,
    count: true,
  });
  out("cursor", cursor.count, cursor.batches.hasMore, await cursor.all());
  const paged = await db.query("FOR n IN 1..5 RETURN n * @k", { k: 10 }, { batchSize: 2 });
  const batches = [];
  for await (const batch of paged.batches) batches.push(batch);
  out("batches", batches);
  out("syntax", await failure(db.query("FOR x IN")));
  out("unknown collection", await failure(db.query("FOR x IN nothing_here RETURN x")));

  // Named graphs and traversals.
  const graph = await db.createGraph("g", [{ collection: "links", from: ["items"], to: ["items"] }]);
  const links = graph.edgeCollection("links");
  await links.save({ _from: "items/a", _to: "items/b" });
  await links.save({ _from: "items/b", _to: "items/c" });
  const walk = await db.query(aql`FOR v IN 1..3 OUTBOUND 'items/a' GRAPH 'g' RETURN v._key`);
  out("traversal", await walk.all());
  const shortest = await db.query(
    aql`FOR v IN OUTBOUND SHORTEST_PATH 'items/a' TO 'items/c' GRAPH 'g' RETURN v._key`,
  );
  out("shortest", await shortest.all());
  out("edges", (await db.collection("links").outEdges("items/a")).edges.map((e) => e._to));

  // Stream transactions.
  const trx = await db.beginTransaction({ write: [items] });
  await trx.step(() => items.save({ _key: "t1" }));
  out("trx", (await trx.get()).status, await items.documentExists("t1"));
  out("commit", (await trx.commit()).status, await items.documentExists("t1"));
  const trx2 = await db.beginTransaction(items);
  await trx2.step(() => items.save({ _key: "t2" }));
  out("abort", (await trx2.abort()).status, await items.documentExists("t2"));

  // JWT login, and a wrong password.
  const jwtDb = new Database({ url, databaseName: "js_db" });
  const token = await jwtDb.login("jay", "jpw");
  out("login", typeof token, token.split(".").length, (await jwtDb.collection("items").count()).count);
  const bad = new Database({ url, auth: { username: "root", password: password + "-wrong" } });
  out("wrong password", await failure(bad.version()));

  out("drop", await sys.dropDatabase("js_db"));
  out("arangojs session ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
