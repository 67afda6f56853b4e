-- An AQL FILTER served by the persistent index on grp: 100 documents of a random group.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
function request()
    return wrk.format("POST", "/_api/cursor", nil,
        '{"query":"FOR d IN bench FILTER d.grp == @g LIMIT 100 RETURN d","bindVars":{"g":' .. math.random(0, 99) ..
        '},"batchSize":1000}')
end
