-- COLLECT over every document of the collection.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
function request()
    return wrk.format("POST", "/_api/cursor", nil,
        '{"query":"FOR d IN bench COLLECT g = d.grp WITH COUNT INTO n RETURN {g, n}","batchSize":1000}')
end
