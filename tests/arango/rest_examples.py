#!/usr/bin/env python3
"""Replays the ArangoDB 3.12 documentation's single-server HTTP transcripts
(../shared/arangodb-examples/rest-examples.json) against a running Orbit server and compares
every recorded response with Orbit's: the status, and the JSON body structurally (objects as
maps, numbers numerically; revisions, generated keys and ids, timings, statistics and server
identity ignored, as the examples' README lists). Each transcript runs in `_system` after the
previous one's collections, graphs, databases and users are removed; its preconditions are
built from its own requests and recorded responses where they can be (the collections and
documents it reads, users, databases, graphs, running transactions), and the `social` and
`routeplanner` graphs are loaded from the datasets when it names them.

Prints one line per failing transcript with the first difference, then `N passed, N failed`.
With --baseline FILE every name listed there must pass (exit 1 otherwise); --update rewrites
FILE with the names that pass now. Standard library only.
"""

import argparse
import base64
import http.client
import json
import os
import re
import sys
import urllib.parse

VOLATILE_KEYS = {
    "_rev", "_oldRev", "globallyUniqueId", "objectId", "cuid", "executionTime", "peakMemoryUsage",
    "runTime", "started", "estimatedCost", "estimatedNrItems", "rulesExecuted", "time", "stats",
    "tick", "lastLogTick", "lastTick", "planCacheKey", "queryHash", "serverId", "revision", "checksum",
    "created_at", "token", "fingerprint",
}
# Storage figures: their presence and type count, their values are the engine's.
ENGINE_FIGURES = {"documentsSize", "size", "cacheSize", "cacheUsage", "cacheInUse", "cacheLifeTimeHitRate",
                  "cacheWindowedHitRate"}
GENERATED = re.compile(r"\d{4,}|idx_\d+")
CREATE_DOC = re.compile(r"^/_api/(document|import)|^/_api/gharial/[^/]+/(vertex|edge)/[^/]+$")
AQL_COLLECTION = re.compile(r"\b(?:IN|INTO)\s+([A-Za-z][A-Za-z0-9_-]*)\b")
AQL_WORDS = {"OUTBOUND", "INBOUND", "ANY", "GRAPH", "COLLECTION", "KEEP", "RETURN", "FILTER", "SORT",
             "LIMIT", "LET", "COLLECT", "WITH", "INTO", "NOT", "IN", "OPTIONS", "SHORTEST_PATH"}


class Server:
    def __init__(self, host, port, password):
        self.host, self.port = host, port
        token = base64.b64encode(f"root:{password}".encode()).decode()
        self.auth = f"Basic {token}"
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers as a lower-case dict, body text)."""
        headers = dict(headers or {})
        if not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = self.auth
        data = body.encode() if isinstance(body, str) else body
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                got = {k.lower(): v for k, v in resp.getheaders()}
                if got.get("connection", "").lower() == "close":
                    self.close()
                return resp.status, got, text
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def json(self, method, path, value=None):
        status, _, text = self.request(method, path, None if value is None else json.dumps(value),
                                       {"Content-Type": "application/json"})
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ------------------------------------------------------------------ reset and preconditions

def reset(server):
    for db in (server.json("GET", "/_api/database")[1] or {}).get("result", []) or []:
        if db != "_system":
            server.json("DELETE", f"/_api/database/{urllib.parse.quote(db)}")
    for graph in (server.json("GET", "/_api/gharial")[1] or {}).get("graphs", []) or []:
        name = graph.get("_key") or graph.get("name")
        server.json("DELETE", f"/_api/gharial/{urllib.parse.quote(str(name))}?dropCollections=true")
    for col in (server.json("GET", "/_api/collection?excludeSystem=true")[1] or {}).get("result", []) or []:
        if not col.get("isSystem"):
            server.json("DELETE", f"/_api/collection/{urllib.parse.quote(col['name'])}")
    for user in (server.json("GET", "/_api/user")[1] or {}).get("result", []) or []:
        if user.get("user") != "root":
            server.json("DELETE", f"/_api/user/{urllib.parse.quote(user['user'])}")
    for trx in (server.json("GET", "/_api/transaction")[1] or {}).get("transactions", []) or []:
        server.json("DELETE", f"/_api/transaction/{trx.get('id')}")


def documents_in(value):
    """Every object with `_id` "C/K" and a matching `_key`, depth first."""
    if isinstance(value, dict):
        ident, key = value.get("_id"), value.get("_key")
        if isinstance(ident, str) and isinstance(key, str) and ident.endswith("/" + key):
            yield value
        for v in value.values():
            yield from documents_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from documents_in(v)


def error_num(value):
    return value.get("errorNum") if isinstance(value, dict) and value.get("error") else None


WRITE_QUERY = re.compile(r"\b(UPDATE|REPLACE|UPSERT|REMOVE)\b")
RETURN_OLD = re.compile(r"\bRETURN\s+OLD\b")
PUSHED = re.compile(r"(\w+)\s*:\s*PUSH\s*\(\s*\w+\.(\w+)\s*,")


def written_before(r, parts, body):
    """For a cursor request whose query modifies documents and does not return OLD: what
    the answer's documents held before it (only the `_key`, and an attribute the query
    appended to with PUSH without its last element); None for any other request."""
    if r["method"] != "POST" or parts[:2] != ["_api", "cursor"] or len(parts) != 2 or not isinstance(body, dict):
        return None
    text = str(body.get("query", ""))
    if not WRITE_QUERY.search(text) or RETURN_OLD.search(text):
        return None
    appended = [a for a, b in PUSHED.findall(text) if a == b]

    def before(doc):
        return {a: doc[a][:-1] for a in appended if isinstance(doc.get(a), list) and doc[a]}

    return before


def split_path(path):
    raw, _, query = path.partition("?")
    parts = [urllib.parse.unquote(p) for p in raw.split("/") if p]
    database = "_system"
    if len(parts) >= 2 and parts[0] == "_db":
        database, parts = parts[1], parts[2:]
    return database, parts, urllib.parse.parse_qs(query)


class Preconditions:
    """What a transcript needs that it does not create itself."""

    def __init__(self, example):
        self.collections = {}  # name -> "document" | "edge"
        self.documents = {}  # (collection, key) -> body
        self.users, self.databases, self.graphs = [], [], []
        self.transactions = []  # recorded ids of transactions to begin
        created_collections, created_users, created_dbs, created_graphs = set(), set(), set(), set()
        missing_collections, missing_docs = set(), set()
        created_docs, seen_ids, touched = set(), set(), set()
        self.late = {}  # collection -> how many documents come before the first one seen
        batch_size, batches = 1000, 0
        requests = example["requests"]
        for r in requests:
            _, parts, query = split_path(r["path"])
            body = r.get("body_json")
            expected = r.get("response_body")
            err = error_num(expected)
            if parts[:2] == ["_api", "collection"] and r["method"] == "POST" and isinstance(body, dict):
                created_collections.add(body.get("name"))
            if parts[:2] == ["_api", "user"] and r["method"] == "POST" and isinstance(body, dict):
                created_users.add(body.get("user"))
            if parts[:2] == ["_api", "database"] and r["method"] == "POST" and isinstance(body, dict):
                created_dbs.add(body.get("name"))
            if parts[:2] == ["_api", "gharial"] and r["method"] == "POST" and len(parts) == 2 and isinstance(body, dict):
                created_graphs.add(body.get("name"))
                for d in body.get("edgeDefinitions", []):
                    created_collections.update([d.get("collection")] + d.get("from", []) + d.get("to", []))
                created_collections.update(body.get("orphanCollections", []))
            if err == 1203:
                missing_collections.update(self.collection_names(r, parts, query))
            for name in self.collection_names(r, parts, query):
                kind = self.collections.get(name, "document")
                if parts[:2] == ["_api", "edges"] or ("_from" in (r.get("body") or "") and parts[:2] == ["_api", "import"]):
                    kind = "edge"
                if isinstance(body, dict) and parts[:2] == ["_api", "collection"] and body.get("type") == 3:
                    kind = "edge"
                if "edge attribute" in json.dumps(expected) or "missing '_from' or '_to'" in json.dumps(expected):
                    kind = "edge"
                self.collections[name] = kind
            # Documents named in the path or in a batch body.
            if parts[:2] == ["_api", "document"] and len(parts) >= 4:
                if err == 1202:
                    missing_docs.add((parts[2], parts[3]))
                else:
                    doc = self.documents.setdefault((parts[2], parts[3]), {"_key": parts[3]})
                    etag = (r.get("response_headers") or {}).get("etag", "").strip('"')
                    if etag and r["method"] in ("GET", "HEAD") and (parts[2], parts[3]) not in touched:
                        doc.setdefault("_rev", etag)
                touched.add((parts[2], parts[3]))
            if parts[:2] == ["_api", "document"] and len(parts) == 3 and isinstance(body, list) and r["method"] in ("DELETE", "PUT", "PATCH"):
                answers = expected if isinstance(expected, list) else []
                for i, item in enumerate(body):
                    key = item if isinstance(item, str) else item.get("_key") if isinstance(item, dict) else None
                    if isinstance(key, str) and "/" in key:
                        key = key.split("/", 1)[1]
                    answer = answers[i] if i < len(answers) else None
                    if isinstance(key, str) and error_num(answer) != 1202:
                        self.documents.setdefault((parts[2], key), {"_key": key})
            if parts[:2] == ["_api", "user"] and len(parts) >= 3 and r["method"] != "POST" and err != 1703:
                if parts[2] not in created_users and parts[2] != "root" and parts[2] not in self.users:
                    self.users.append(parts[2])
            if len(parts) >= 6 and parts[:2] == ["_api", "user"] and parts[3] == "database" and not parts[5].startswith("_"):
                self.collections.setdefault(parts[5], "document")
            if parts[:2] == ["_api", "database"] and len(parts) == 3 and parts[2] not in ("current", "user") and err != 1228:
                if parts[2] not in created_dbs and parts[2] not in self.databases:
                    self.databases.append(parts[2])
            if parts[:2] == ["_api", "gharial"] and len(parts) >= 3 and err != 1924:
                if parts[2] not in created_graphs and parts[2] not in self.graphs:
                    self.graphs.append(parts[2])
            if parts[:2] == ["_api", "transaction"] and len(parts) == 3 and parts[2] != "begin" and err != 1655:
                if parts[2] not in seen_ids and parts[2] not in self.transactions:
                    self.transactions.append(parts[2])
            result = expected.get("result") if isinstance(expected, dict) else None
            if isinstance(result, dict) and isinstance(result.get("id"), str):
                seen_ids.add(result["id"])
            # Documents a response shows that no earlier request created.
            creating = r["method"] == "POST" and (CREATE_DOC.search("/" + "/".join(parts)) is not None
                                                  or "INSERT" in str((body or {}).get("query", "") if isinstance(body, dict) else ""))
            continuation = parts[:2] == ["_api", "cursor"] and len(parts) >= 3
            if parts[:2] == ["_api", "cursor"] and len(parts) == 2 and isinstance(body, dict):
                batch_size, batches = int(body.get("batchSize") or 1000), 0
            batches += 1 if continuation else 0
            before = written_before(r, parts, body)
            for doc in documents_in(expected):
                col, key = doc["_id"].split("/", 1)
                if col.startswith("_") or (col, key) in created_docs:
                    continue
                if creating:
                    created_docs.add((col, key))
                    continue
                if before is not None:
                    # The answer shows the document after the query wrote it.
                    seed = self.documents.setdefault((col, key), {"_key": key})
                    seed.update(before(doc))
                    self.collections.setdefault(col, "edge" if "_from" in doc else "document")
                    continue
                if continuation and (col, key) not in self.documents and col not in self.late:
                    self.late[col] = batch_size * batches
                seed = {k: v for k, v in doc.items() if k not in ("_id", "_rev", "_oldRev")}
                current = self.documents.get((col, key))
                rev = (current or {}).get("_rev") or doc.get("_rev")
                if current is None or len([k for k in current if k != "_rev"]) <= 1:
                    current = dict(seed)
                if rev:
                    current["_rev"] = rev
                self.documents[(col, key)] = current
                self.collections.setdefault(col, "edge" if "_from" in doc else "document")
                if "_from" in doc:
                    self.collections[col] = "edge"
        for c in created_collections | missing_collections:
            self.collections.pop(c, None)
        self.more(requests, created_users)
        for key in list(self.documents):
            if key[0] not in self.collections or key in missing_docs or key in created_docs:
                del self.documents[key]
        self.graphs = [g for g in self.graphs if g not in created_graphs]
        self.graph_bodies = {}
        for r in requests:
            for g in self.graphs:
                found = find_graph(r.get("response_body"), g)
                if found and g not in self.graph_bodies:
                    self.graph_bodies[g] = found

    def more(self, requests, created_users):
        """The preconditions that only the recorded answers show: collections that sync
        (201 rather than 202), how many documents a collection holds, users and their
        grants, indexes, running transactions, system collections."""
        self.sync, self.counts, self.grants, self.indexes = set(), {}, [], []
        self.index_ids, self.system, self.by_id, self.orphans = [], [], [], []
        cursor_names = set()
        for r in requests:
            _, parts, query = split_path(r["path"])
            expected = r.get("response_body")
            status = r.get("status")
            sync_param = query.get("waitForSync", ["false"])[0] == "true"
            if parts[:2] == ["_api", "document"] and len(parts) >= 3 and not sync_param and (
                    (r["method"] in ("POST", "PUT", "PATCH") and status == 201)
                    or (r["method"] == "DELETE" and status == 200)):
                self.sync.add(parts[2])
            names = self.collection_names(r, parts, query)
            if (parts[:2] == ["_api", "collection"] and len(parts) >= 3 and r["method"] == "GET"
                    and isinstance(expected, dict) and expected.get("waitForSync") is True):
                recorded_name = expected.get("name")
                if isinstance(recorded_name, str) or names:
                    self.sync.add(recorded_name if isinstance(recorded_name, str) else names[0])
            if parts[:2] == ["_api", "cursor"] and r["method"] == "POST" and len(parts) == 2:
                cursor_names = set(names)
            if isinstance(expected, dict) and isinstance(expected.get("count"), int):
                if parts[:2] == ["_api", "collection"] and len(parts) >= 4 and names:
                    self.counts[names[0]] = max(self.counts.get(names[0], 0), expected["count"])
                if parts[:2] == ["_api", "cursor"] and len(cursor_names) == 1:
                    name = next(iter(cursor_names))
                    self.counts[name] = max(self.counts.get(name, 0), expected["count"])
            if parts[:2] == ["_api", "user"] and len(parts) == 2 and r["method"] == "GET" and isinstance(expected, dict):
                for u in expected.get("result") or []:
                    name = u.get("user")
                    if name and name != "root" and name not in self.users and name not in created_users:
                        self.users.append(name)
                        if u.get("active") is False:
                            self.grants.append((name, None, "inactive"))
            if parts[:2] == ["_api", "user"] and len(parts) >= 4 and parts[3] == "database" and r["method"] == "GET":
                result = expected.get("result") if isinstance(expected, dict) else None
                if len(parts) == 5 and isinstance(result, str):
                    self.grants.append((parts[2], parts[4], result))
                if len(parts) == 4 and isinstance(result, dict):
                    for db, level in result.items():
                        level = level.get("permission") if isinstance(level, dict) else level
                        if isinstance(level, str):
                            self.grants.append((parts[2], db, level))
            if parts[:2] == ["_api", "index"] and r["method"] == "GET" and "collection" in query and isinstance(expected, dict):
                for index in expected.get("indexes") or []:
                    if index.get("type") not in ("primary", "edge"):
                        self.indexes.append((query["collection"][0], index))
            if parts[:2] == ["_api", "index"] and len(parts) == 4 and parts[3] != "0" and r["method"] in ("GET", "DELETE") and error_num(expected) != 1212:
                self.index_ids.append((parts[2], parts[3]))
            if parts[:2] == ["_api", "transaction"] and len(parts) == 2 and r["method"] == "GET" and isinstance(expected, dict):
                for trx in expected.get("transactions") or []:
                    if trx.get("id") and trx["id"] not in self.transactions:
                        self.transactions.append(trx["id"])
            if parts[:2] == ["_api", "collection"] and len(parts) >= 3 and parts[2].startswith("_") and query.get("isSystem") == ["true"]:
                self.system.append(parts[2])
            # A collection addressed by its numeric id: one with the recorded name (or any).
            if parts[:2] == ["_api", "collection"] and len(parts) >= 3 and parts[2].isdigit() and error_num(expected) != 1203:
                name = expected.get("name") if isinstance(expected, dict) else None
                if (parts[2], name) not in self.by_id:
                    self.by_id.append((parts[2], name or f"replay_{parts[2]}"))
            # A vertex collection removed from a graph must be one of its orphans first.
            if parts[:2] == ["_api", "gharial"] and len(parts) == 5 and parts[3] == "vertex" and r["method"] == "DELETE" \
                    and status in (200, 202):
                self.orphans.append((parts[2], parts[4]))

    @staticmethod
    def collection_names(r, parts, query):
        names = []
        if parts[:2] in (["_api", "document"], ["_api", "edges"]) and len(parts) >= 3:
            names.append(parts[2])
        if parts[:2] == ["_api", "collection"] and len(parts) >= 3 and not parts[2].isdigit():
            names.append(parts[2])
        if parts[:2] in (["_api", "index"], ["_api", "import"]) and "collection" in query:
            names.extend(query["collection"])
        if parts[:2] == ["_api", "index"] and len(parts) >= 4:
            names.append(parts[2])
        body = r.get("body_json")
        if parts[:2] in (["_api", "cursor"], ["_api", "explain"]) and isinstance(body, dict):
            text = str(body.get("query", ""))
            for m in AQL_COLLECTION.finditer(text):
                word = m.group(1)
                if word.upper() not in AQL_WORDS and not word[0].isdigit():
                    names.append(word)
            for k, v in (body.get("bindVars") or {}).items():
                if k.startswith("@") and isinstance(v, str):
                    names.append(v)
        if parts[:2] == ["_api", "transaction"] and isinstance(body, dict):
            cols = body.get("collections") or {}
            for mode in ("read", "write", "exclusive"):
                v = cols.get(mode, [])
                names.extend([v] if isinstance(v, str) else v)
        return [n for n in names if isinstance(n, str) and not n.startswith("_")]


def find_graph(value, name):
    if isinstance(value, dict):
        if (value.get("name") == name or value.get("_key") == name) and "edgeDefinitions" in value:
            return value
        for v in value.values():
            found = find_graph(v, name)
            if found:
                return found
    elif isinstance(value, list):
        for v in value:
            found = find_graph(v, name)
            if found:
                return found
    return None


def dataset(datasets_dir, name):
    with open(os.path.join(datasets_dir, f"{name}.json")) as f:
        return json.load(f)


def load_dataset(server, data, edge_keys):
    for graph in data.get("graphs", []):
        server.json("POST", "/_api/gharial", {"name": graph["name"], "edgeDefinitions": graph["edgeDefinitions"],
                                              "orphanCollections": graph.get("orphanCollections", [])})
    for col in data["collections"]:
        server.json("POST", "/_api/collection", {"name": col["name"], "type": 3 if col["type"] == "edge" else 2})
        for index in col.get("indexes", []):
            server.json("POST", f"/_api/index?collection={col['name']}", index)
        docs = [dict(d) for d in col["documents"]]
        if col["type"] == "edge":
            wanted = edge_keys.get(col["name"], [])
            free = list(range(len(docs)))
            for key, ends in wanted:
                pick = next((i for i in free if ends and (docs[i]["_from"], docs[i]["_to"]) == ends), None)
                if pick is None and free:
                    pick = free[0]
                if pick is not None:
                    free.remove(pick)
                    docs[pick]["_key"] = key
        server.json("POST", f"/_api/document/{col['name']}", docs)


def establish(server, example, pre, datasets_dir, mapping):
    edge_keys = {}
    for r in example["requests"]:
        _, parts, _ = split_path(r["path"])
        if parts[:2] == ["_api", "gharial"] and len(parts) >= 6 and parts[3] == "edge":
            ends = None
            for doc in documents_in(r.get("response_body")):
                if doc["_id"] == f"{parts[4]}/{parts[5]}" and "_from" in doc:
                    ends = (doc["_from"], doc["_to"])
            pairs = edge_keys.setdefault(parts[4], [])
            if parts[5] not in [k for k, _ in pairs]:
                pairs.append((parts[5], ends))
    loaded = set()
    for name in example.get("datasets_loaded", []):
        data = dataset(datasets_dir, name)
        load_dataset(server, data, edge_keys)
        loaded.update(c["name"] for c in data["collections"])
    for name in loaded:
        pre.collections.pop(name, None)
    pre.documents = {k: v for k, v in pre.documents.items() if k[0] not in loaded}
    for db in pre.databases:
        server.json("POST", "/_api/database", {"name": db})
    for user in pre.users:
        server.json("POST", "/_api/user", {"user": user, "passwd": ""})
    for graph in pre.graphs:
        body = pre.graph_bodies.get(graph)
        if body and graph not in example.get("datasets_loaded", []):
            server.json("POST", "/_api/gharial", {"name": graph, "edgeDefinitions": body.get("edgeDefinitions", []),
                                                  "orphanCollections": body.get("orphanCollections", [])})
    for name, kind in pre.collections.items():
        server.json("POST", "/_api/collection", {"name": name, "type": 3 if kind == "edge" else 2,
                                                 "waitForSync": name in pre.sync})
    for name in pre.system:
        server.json("POST", "/_api/collection", {"name": name, "isSystem": True})
    for recorded, name in pre.by_id:
        status, answer = server.json("POST", "/_api/collection", {"name": name, "waitForSync": name in pre.sync})
        if not isinstance(answer, dict) or "id" not in answer:
            status, answer = server.json("GET", f"/_api/collection/{urllib.parse.quote(name)}")
        if isinstance(answer, dict) and isinstance(answer.get("id"), str):
            mapping[recorded] = answer["id"]
    for graph, collection in pre.orphans:
        server.json("POST", f"/_api/gharial/{urllib.parse.quote(graph)}/vertex", {"collection": collection})
    for user, db, level in pre.grants:
        if level == "inactive":
            server.json("PATCH", f"/_api/user/{urllib.parse.quote(user)}", {"active": False})
        else:
            server.json("PUT", f"/_api/user/{urllib.parse.quote(user)}/database/{urllib.parse.quote(db)}", {"grant": level})
    for col, index in pre.indexes:
        body = {k: v for k, v in index.items() if k in ("type", "fields", "unique", "sparse", "expireAfter", "geoJson")}
        if isinstance(index.get("name"), str) and not GENERATED.search(index["name"]):
            body["name"] = index["name"]
        status, answer = server.json("POST", f"/_api/index?collection={urllib.parse.quote(col)}", body)
        if isinstance(answer, dict) and isinstance(answer.get("id"), str) and isinstance(index.get("id"), str):
            mapping[index["id"]] = answer["id"]
    for col, recorded in pre.index_ids:
        if f"{col}/{recorded}" not in mapping:
            status, answer = server.json("POST", f"/_api/index?collection={urllib.parse.quote(col)}",
                                         {"type": "persistent", "fields": ["value"]})
            if isinstance(answer, dict) and isinstance(answer.get("id"), str):
                mapping[f"{col}/{recorded}"] = answer["id"]
                mapping[recorded] = answer["id"].split("/", 1)[-1]
    # Documents a collection must hold beyond those seen; they go first where the seen ones
    # first show up in a later cursor batch.
    seeded = {}
    for (col, _key) in pre.documents:
        seeded[col] = seeded.get(col, 0) + 1
    fillers = {col: want - seeded.get(col, 0) for col, want in pre.counts.items()
               if want > seeded.get(col, 0) and col in pre.collections}

    def fill(col, n):
        filler = {"_from": f"{col}_from/x", "_to": f"{col}_to/x"} if pre.collections[col] == "edge" else {}
        server.json("POST", f"/_api/document/{urllib.parse.quote(col)}", [dict(filler) for _ in range(n)])
        fillers[col] -= n

    for col in [c for c in fillers if c in pre.late]:
        fill(col, min(pre.late[col], fillers[col]))
    for (col, key), doc in pre.documents.items():
        body = {k: v for k, v in doc.items() if k != "_rev"}
        if pre.collections.get(col) == "edge":
            body.setdefault("_from", f"{col}_from/x")
            body.setdefault("_to", f"{col}_to/x")
        status, answer = server.json("POST", f"/_api/document/{urllib.parse.quote(col)}", body)
        if "_rev" in doc and isinstance(answer, dict) and "_rev" in answer:
            mapping[doc["_rev"]] = answer["_rev"]
    for col in list(fillers):
        fill(col, fillers[col])
    for recorded in pre.transactions:
        names = [c for c in pre.collections]
        status, answer = server.json("POST", "/_api/transaction/begin", {"collections": {"write": names}})
        if isinstance(answer, dict) and isinstance(answer.get("result"), dict):
            mapping[recorded] = answer["result"].get("id")


# ------------------------------------------------------------------ comparison

def substitute(text, mapping):
    if not text:
        return text
    for old in sorted((k for k in mapping if isinstance(k, str)), key=len, reverse=True):
        new = mapping[old]
        if isinstance(new, str) and old != new:
            text = re.sub(r"(?<![A-Za-z0-9_\-])" + re.escape(old) + r"(?![A-Za-z0-9_\-])", new, text)
    return text


def numbers_equal(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def compare(expected, actual, mapping, where="body"):
    """None when `actual` matches `expected`, else the first difference. Learns generated
    values (recorded -> actual) into `mapping` on the way."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {json.dumps(actual)[:200]}"
        exp_keys = {k for k in expected if k not in VOLATILE_KEYS}
        act_keys = {k for k in actual if k not in VOLATILE_KEYS}
        if exp_keys != act_keys:
            # Keys that are generated values themselves (index ids in `identifiers`).
            renamed = {}
            extra = sorted(act_keys - exp_keys)
            for k in sorted(exp_keys - act_keys):
                target = mapping.get(k)
                if target not in extra:
                    target = next((a for a in extra if compare(k, a, dict(mapping)) is None), None)
                if target is not None:
                    compare(k, target, mapping)
                    renamed[k] = target
                    extra.remove(target)
            if renamed:
                actual = {next((e for e, a in renamed.items() if a == k), k): v for k, v in actual.items()}
                act_keys = {k for k in actual if k not in VOLATILE_KEYS}
        if exp_keys != act_keys:
            return f"{where}: keys differ: missing {sorted(exp_keys - act_keys)}, extra {sorted(act_keys - exp_keys)}"
        for k in sorted(exp_keys):
            if k == "errorMessage" and expected.get("errorNum") == 600:
                continue
            if k in ENGINE_FIGURES and ".figures" in where and type(expected[k]) is type(actual[k]):
                continue
            # The traditional key generator's last value is a server tick, like an id.
            if k == "lastValue" and expected.get("type") == "traditional" and expected[k] != 0 \
                    and type(expected[k]) is type(actual[k]):
                continue
            diff = compare(expected[k], actual[k], mapping, f"{where}.{k}")
            if diff:
                return diff
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where}: expected {json.dumps(expected)[:300]}, got {json.dumps(actual)[:300]}"
        saved = dict(mapping)
        diffs = [compare(e, a, mapping, f"{where}[{i}]") for i, (e, a) in enumerate(zip(expected, actual))]
        first = next((d for d in diffs if d), None)
        if first is None:
            return None
        mapping.clear()
        mapping.update(saved)
        # The order of many listings is unspecified: match as a multiset.
        free = list(range(len(actual)))
        for i, e in enumerate(expected):
            hit = next((j for j in free if compare(e, actual[j], dict(mapping), where) is None), None)
            if hit is None:
                return first
            compare(e, actual[hit], mapping, where)
            free.remove(hit)
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if expected is actual else f"{where}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return None if numbers_equal(expected, actual) else f"{where}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, str) and isinstance(actual, str):
        if expected == actual or mapping.get(expected) == actual:
            return None
        if GENERATED.search(expected) and expected not in mapping:
            pattern = "^" + GENERATED.sub("[A-Za-z0-9_:-]+", re.escape(expected).replace("\\_", "_")) + "$"
            if re.match(pattern, actual):
                mapping[expected] = actual
                return None
        return f"{where}: expected {expected!r}, got {actual!r}"
    if expected is None and actual is None:
        return None
    return f"{where}: expected {json.dumps(expected)[:200]}, got {json.dumps(actual)[:200]}"


def ignored(path, expected):
    """Server identity that may differ (README: /_api/version, /_api/engine, ...)."""
    _, parts, _ = split_path(path)
    if parts[:2] == ["_api", "version"] and isinstance(expected, dict):
        return {k: v for k, v in expected.items() if k not in ("version", "license", "details")}, {"version", "license", "details"}
    if parts[:2] == ["_api", "endpoint"]:
        return expected, None
    if parts[:2] == ["_api", "engine"] and isinstance(expected, dict):
        return {"name": expected.get("name")}, None
    return expected, set()


def run_example(server, example, datasets_dir):
    mapping = {}
    reset(server)
    pre = Preconditions(example)
    establish(server, example, pre, datasets_dir, mapping)
    last_actual_id = None
    for i, r in enumerate(example["requests"]):
        path = substitute(r["path"], mapping)
        _, parts, _ = split_path(path)
        if parts[:2] == ["_api", "cursor"] and len(parts) >= 3 and parts[2] not in mapping.values() and last_actual_id:
            recorded = parts[2]
            if recorded not in mapping and recorded.isdigit() and i > 0 and not example["requests"][i - 1].get("response_logged", True):
                mapping[recorded] = last_actual_id
                path = substitute(r["path"], mapping)
        headers = {k: substitute(v, mapping) for k, v in (r.get("headers") or {}).items()}
        body = substitute(r.get("body"), mapping)
        status, got_headers, text = server.request(r["method"], path, body, headers)
        try:
            actual = json.loads(text) if text.strip() else None
        except ValueError:
            actual = text
        if isinstance(actual, dict) and isinstance(actual.get("id"), str):
            last_actual_id = actual["id"]
        if not r.get("response_logged", True) or r.get("status") is None:
            continue
        where = f"request {i + 1} ({r['method']} {r['path']})"
        if status != r["status"]:
            return f"{where}: status {status}, expected {r['status']}; body {text[:300]}"
        fmt = r.get("response_body_format")
        if fmt == "json":
            expected, drop = ignored(r["path"], r.get("response_body"))
            if drop and isinstance(actual, dict):
                actual = {k: v for k, v in actual.items() if k not in drop}
            elif drop is None and parts[:2] == ["_api", "endpoint"]:
                expected = actual
            elif drop is None and isinstance(actual, dict):
                actual = {"name": actual.get("name")}
            diff = compare(expected, actual, mapping, "body")
            if diff:
                return f"{where}: {diff}"
        elif fmt == "empty" and text.strip():
            return f"{where}: expected no body, got {text[:200]}"
        expected_headers = r.get("response_headers") or {}
        if "etag" in expected_headers and "etag" not in got_headers:
            return f"{where}: no etag header"
        if "x-arango-error-codes" in expected_headers:
            if got_headers.get("x-arango-error-codes") != expected_headers["x-arango-error-codes"]:
                return f"{where}: x-arango-error-codes {got_headers.get('x-arango-error-codes')!r}, expected {expected_headers['x-arango-error-codes']!r}"
        if fmt == "json" and not got_headers.get("content-type", "").startswith("application/json"):
            return f"{where}: content-type {got_headers.get('content-type')!r}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--password", default="")
    parser.add_argument("--examples", required=True)
    parser.add_argument("--baseline")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()

    with open(args.examples) as f:
        examples = json.load(f)
    datasets_dir = os.path.join(os.path.dirname(os.path.abspath(args.examples)), "datasets")
    server = Server(args.host, args.port, args.password)
    passed, failed, not_supported = [], [], []
    for example in examples:
        if args.only and example["name"] not in args.only:
            continue
        try:
            diff = run_example(server, example, datasets_dir)
        except Exception as e:  # a transport error fails this transcript, not the run
            server.close()
            diff = f"{type(e).__name__}: {e}"
        if diff:
            failed.append(example["name"])
            if "status 501" in diff:
                not_supported.append(example["name"])
            print(f"FAIL {example['name']}: {diff}")
        else:
            passed.append(example["name"])
    print(f"rest-examples: {len(passed)} of {len(passed) + len(failed)} transcripts pass "
          f"({len(not_supported)} of the {len(failed)} others answer 501, not supported)")
    status = 0
    if args.baseline:
        baseline = set()
        if os.path.exists(args.baseline):
            with open(args.baseline) as f:
                baseline = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        lost = sorted(baseline - set(passed))
        gained = sorted(set(passed) - baseline)
        if lost and not args.update:
            print(f"REGRESSION: {len(lost)} transcripts of the baseline fail now: {' '.join(lost)}")
            status = 1
        if gained and not args.update:
            print(f"{len(gained)} transcripts pass beyond the baseline (run with --update): {' '.join(gained)}")
        if args.update:
            with open(args.baseline, "w") as f:
                f.write("# Transcripts of ../shared/arangodb-examples/rest-examples.json that pass against Orbit\n")
                f.write("# (tests/arango/rest_examples.py --update rewrites this file).\n")
                f.writelines(f"{name}\n" for name in sorted(passed))
    server.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
