//! pgvector and the graphrag_* functions through a real client: psycopg 3 (from PyPI)
//! against the listener over in-memory storage on a free port, in text and binary
//! formats with `$1` vectors bound in prepared statements. Skipped (said loudly) when
//! python3 with psycopg is not installed. pgvector itself does not install here (Debian
//! bookworm has no postgresql-15-pgvector), so expected values are computed in the script.

use crate::{PostgresListener, PostgresOptions};
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::process::Command;
use std::sync::Arc;

const SCRIPT: &str = r#"
import math, struct, sys
import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format

conn = psycopg.connect(f"host=127.0.0.1 port={sys.argv[1]} user=postgres dbname=postgres", autocommit=True)
cur = conn.cursor()
cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
oid = cur.execute("SELECT oid FROM pg_type WHERE typname = 'vector'").fetchone()[0]

class VectorTextDumper(Dumper):
    oid = None
    def dump(self, v):
        return ("[" + ",".join(repr(float(x)) for x in v) + "]").encode()

class VectorBinaryDumper(Dumper):
    format = Format.BINARY
    def dump(self, v):
        return struct.pack(f">HH{len(v)}f", len(v), 0, *v)

class VectorBinaryLoader(Loader):
    format = Format.BINARY
    def load(self, data):
        dim, unused = struct.unpack_from(">HH", data)
        return list(struct.unpack_from(f">{dim}f", data, 4))

class VectorTextLoader(Loader):
    def load(self, data):
        return [float(x) for x in bytes(data).decode()[1:-1].split(",")]

VectorTextDumper.oid = oid
VectorBinaryDumper.oid = oid
conn.adapters.register_loader(oid, VectorTextLoader)
conn.adapters.register_loader(oid, VectorBinaryLoader)

cur.execute("CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))")
rows = [(1, [1.0, 2.0, 3.0]), (2, [4.0, 5.0, 6.0]), (3, [1.0, 1.0, 1.0]), (4, [0.5, -2.0, 8.25])]
conn.adapters.register_dumper(list, VectorBinaryDumper)
for i, v in rows[:2]:
    conn.cursor().execute("INSERT INTO items VALUES (%s, %b)", (i, v))
conn.adapters.register_dumper(list, VectorTextDumper)
for i, v in rows[2:]:
    conn.cursor().execute("INSERT INTO items VALUES (%s, %t)", (i, v))

def l2(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))

q = [1.0, 1.5, 2.0]
expected = [i for i, v in sorted(rows, key=lambda r: (l2(r[1], q), r[0]))]
cur.execute("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)")
for binary in (False, True):
    conn.adapters.register_dumper(list, VectorBinaryDumper if binary else VectorTextDumper)
    c = conn.cursor(binary=binary)
    p = "%b" if binary else "%t"
    got = [r[0] for r in c.execute(f"SELECT id FROM items ORDER BY embedding <-> {p} LIMIT 4", (q,), prepare=True)]
    assert got == expected, (binary, got, expected)
    back = c.execute("SELECT embedding FROM items WHERE id = 4").fetchone()[0]
    assert back == rows[3][1], (binary, back)
    d = c.execute(f"SELECT embedding <-> {p} FROM items WHERE id = 2", (q,)).fetchone()[0]
    assert abs(d - l2(rows[1][1], q)) < 1e-6, (binary, d)
text = conn.cursor().execute("SELECT embedding::text FROM items WHERE id = 4").fetchone()[0]
assert text == "[0.5,-2,8.25]", text
plan = "\n".join(r[0] for r in cur.execute("EXPLAIN SELECT id FROM items ORDER BY embedding <-> '[1,1,1]' LIMIT 2"))
assert "Index Scan using items_embedding_idx on items" in plan, plan
for bad, code in [("[1,,2]", "22P02"), ("[nan,1,2]", "22000"), ("[1,2]", "22000")]:
    try:
        cur.execute("INSERT INTO items VALUES (9, %s::vector(3))", (bad,))
        raise SystemExit(f"{bad} was accepted")
    except psycopg.Error as e:
        assert e.sqlstate == code, (bad, e.sqlstate, str(e))
conn.adapters.register_dumper(list, VectorBinaryDumper)
try:
    conn.cursor().execute("SELECT %b::vector", ([0.5] * 16001,))
    raise SystemExit("16001 dimensions were accepted")
except psycopg.Error as e:
    assert e.sqlstate in ("54000", "22P03") and "16000 dimensions" in str(e), (e.sqlstate, str(e))
try:
    cur.execute("SELECT * FROM graphrag_retrieve(%s, %s)", ("kg", "who"))
    raise SystemExit("graphrag_retrieve answered without GraphRAG storage")
except psycopg.Error as e:
    assert e.sqlstate == "0A000" and "GraphRAG is disabled on this server" in str(e), (e.sqlstate, str(e))
print("OK")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psycopg_uses_vectors_in_text_and_binary_form() {
    let probe = Command::new("python3").args(["-c", "import psycopg"]).output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!(
            "\n!!!! SKIPPED psycopg_uses_vectors_in_text_and_binary_form: python3 with psycopg is not installed\n"
        );
        return;
    }
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let local_addr = listener.local_addr().expect("addr");
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let ctx = ListenerContext { storage, graphrag_storage: None, local_addr, shutdown };
    tokio::spawn(Box::new(PostgresListener::with_options(PostgresOptions::default())).serve(listener, ctx));
    let port = local_addr.port().to_string();
    let out = tokio::task::spawn_blocking(move || Command::new("python3").args(["-c", SCRIPT, &port]).output())
        .await
        .expect("join")
        .expect("python3");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && stdout.trim() == "OK", "{stdout}{stderr}");
}
