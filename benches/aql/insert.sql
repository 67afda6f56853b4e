\set r random(1, 9000000000000000)
\set g random(0, 99)
INSERT INTO bench_ins (id, grp, doc) VALUES (:r, :g, ('{"grp":' || :g || ',"name":"name' || :g || '","score":' || :g || '}')::jsonb);
