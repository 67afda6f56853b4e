\set g random(0, 99)
SELECT doc FROM bench WHERE grp = :g LIMIT 100;
