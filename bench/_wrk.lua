-- Pre-built requests for wrk: `wrk ... -s _wrk.lua URL -- FILE NTHREADS`.
-- FILE holds one request a line: method TAB path TAB headers (0x1e-separated "name:value") TAB body.
-- Thread k sends lines k, k+N, k+2N... in order, cycling when it runs out (reported as "wrapped").
-- done() prints one line "WRKJSON {...}" with counts by status class and latency percentiles.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      local method, path, hdrs, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for h in hdrs:gmatch("[^\30]+") do
        local k, v = h:match("^([^:]+):(.*)$")
        headers[k] = v
      end
      if body == "" then body = nil end
      reqs[#reqs + 1] = wrk.format(method, path, headers, body)
    end
    i = i + 1
  end
  n = #reqs
  idx = 0
  sent = 0
  s2xx, s4xx, s500, s503, sother = 0, 0, 0, 0, 0
end

function request()
  idx = idx + 1
  if idx > n then idx = 1 end
  sent = sent + 1
  return reqs[idx]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status == 503 then s503 = s503 + 1
  elseif status >= 500 then s500 = s500 + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s4xx = 0, s500 = 0, s503 = 0, sother = 0 }
  local wrapped = 0
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do c[k] = c[k] + (t:get(k) or 0) end
    if (t:get("sent") or 0) > (t:get("n") or 0) then wrapped = 1 end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p99_us":%d,"wrapped":%d,' ..
    '"statuses":{"2xx":%d,"4xx":%d,"500-502,504+":%d,"503":%d,"other":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), wrapped,
    c.s2xx, c.s4xx, c.s500, c.s503, c.sother))
end
