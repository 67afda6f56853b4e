-- One new document per request (the server generates its key).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
function request()
    local g = math.random(0, 99)
    return wrk.format("POST", "/_api/document/bench_ins", nil,
        '{"grp":' .. g .. ',"name":"name' .. g .. '","score":' .. math.random(0, 999) .. '}')
end
