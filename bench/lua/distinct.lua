-- GET requests for wrk, each to the next URL of a list, so that a crowd of
-- different readers asks for different pages: BENCH_PATHS names a file of
-- paths, one a line. Each thread starts at its own place in the list, and
-- BENCH_REVERSE=1 walks it from the end (the warm-up, so that the measured run
-- does not find the pages the warm-up stored).
-- What the server says of each answer (X-Page-Cache: hit, miss, or nothing for
-- a page it does not cache) is counted and printed by done(), with the statuses.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local reverse = os.getenv("BENCH_REVERSE") == "1"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  thread:set("thread_count", 0)
  table.insert(threads, thread)
  for _, t in ipairs(threads) do t:set("thread_count", #threads) end
end

function init(args)
  statuses, cache = {}, {hit = 0, miss = 0, none = 0}
end

function request()
  counter = counter + 1
  -- Threads interleave: thread 1 takes 1, 1+n, 1+2n…, thread 2 takes 2, 2+n…
  local n = (counter - 1) * thread_count + thread_id
  local i = ((n - 1) % #paths) + 1
  if reverse then i = #paths + 1 - i end
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local seen = headers["X-Page-Cache"] or headers["x-page-cache"]
  if seen == "hit" then cache.hit = cache.hit + 1
  elseif seen == "miss" then cache.miss = cache.miss + 1
  else cache.none = cache.none + 1 end
end

function done(summary, latency, requests)
  local total, seen = {}, {hit = 0, miss = 0, none = 0}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
    local counts = thread:get("cache")
    for name, n in pairs(counts) do seen[name] = seen[name] + n end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
  for name, n in pairs(seen) do
    io.write(string.format("cache %s %d\n", name, n))
  end
end
