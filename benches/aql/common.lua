-- Shared by the wrk scripts of benches/aql-bench.sh: root's Basic credentials (empty
-- password), JSON bodies, and a per-thread random seed so the threads ask for different keys.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("seed", threads)
end
function init(args)
    math.randomseed(os.time() * 1000 + seed)
    wrk.headers["Authorization"] = "Basic cm9vdDo="
    wrk.headers["Content-Type"] = "application/json"
    docs = tonumber(os.getenv("BENCH_DOCS") or "1000000")
    if prepare then prepare() end
end
