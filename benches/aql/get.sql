\set k random(0, :docs - 1)
SELECT doc FROM bench WHERE k = 'k' || :k;
