-- Signing POSTs for wrk: a unique address per request, one valid CSRF pair.
-- The bench passes the pair, the party id and a run id in the environment.
local token = os.getenv("BENCH_CSRF_TOKEN")
local cookie = os.getenv("BENCH_CSRF_COOKIE")
local party = os.getenv("BENCH_PARTY")
local run = os.getenv("BENCH_RUN")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. cookie
end

-- Names take letters only: 12 -> "bc".
local function letters(n)
  return (tostring(n):gsub("%d", function(d) return string.char(97 + tonumber(d)) end))
end

function request()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. token
    .. "&civility=F&first_name=Anne&last_name=Bench" .. letters(thread_id) .. "x" .. letters(counter)
    .. "&email=bench-" .. run .. "-" .. thread_id .. "-" .. counter .. "%40mairie-69.fr"
    .. "&mandate=mayor&locality=Lyon&departement=69&party=" .. party .. "&consent=on"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
end
