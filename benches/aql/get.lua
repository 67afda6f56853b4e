-- One document by key per request.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
function request()
    return wrk.format("GET", "/_api/document/bench/k" .. math.random(0, docs - 1))
end
