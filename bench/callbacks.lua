-- wrk script: each thread sends its share of pre-signed simbank callbacks, one per request,
-- in order, and remembers how many it issued (so the bench can replay and check the ledger).
local lines = {}
local threads = {}
counter = 0  -- global: read back per thread with thread:get in done()
local next_index = 1

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local nthreads = tonumber(args[2])
  target = args[3]
  for line in io.lines(path) do
    lines[#lines + 1] = line
  end
  mine = {}
  for i = 1, #lines do
    if (i - 1) % nthreads == tid then mine[#mine + 1] = lines[i] end
  end
  lines = nil
end

function request()
  local line = mine[next_index]
  if line == nil then
    return wrk.format("GET", "/healthz")
  end
  next_index = next_index + 1
  counter = counter + 1
  local tab = string.find(line, "\t")
  local signature = string.sub(line, 1, tab - 1)
  local body = string.sub(line, tab + 1)
  return wrk.format("POST", target, {["Content-Type"] = "application/json", ["X-Signature"] = signature}, body)
end

function done(summary, latency, requests)
  local issued = {}
  for i, thread in ipairs(threads) do
    issued[#issued + 1] = string.format("%d", thread:get("counter"))
  end
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "non2xx": %d, "errors": %d, ' ..
    '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "issued": [%s]}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, table.concat(issued, ",")))
end
