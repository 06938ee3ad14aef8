-- wrk script for the corscookie load test.
--
-- Arguments after "--": METHOD [count] [HEADER: VALUE]...
-- With "count", each thread counts responses by status (this costs wrk some speed:
-- it then parses every header and body). done() prints one line for bench/wrk.go:
--   wrkresult {"requests":N,...}

function init(args)
  wrk.method = args[1]
  local first = 2
  if args[2] == "count" then
    first = 3
    response = count
  end
  for i = first, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
end

statuses = {}

-- count records one response by status, in this thread's statuses table.
function count(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- merged returns the statuses of every thread as a JSON object.
local function merged()
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrkresult {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"statuses":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, merged()))
end
