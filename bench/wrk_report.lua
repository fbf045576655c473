-- wrk script: send the headers given in WRK_HEADERS (name: value; name: value) and print one JSON
-- line of figures when the run is over (bench/pages.py reads it).

local headers = os.getenv("WRK_HEADERS") or ""
for pair in string.gmatch(headers, "([^;]+)") do
  local name, value = string.match(pair, "^%s*([^:]+):%s*(.-)%s*$")
  if name then
    wrk.headers[name] = value
  end
end

-- WRK_MAX_REQUESTS (optional): stop after that many answers, before the duration is over (a quick
-- run that proves the script works, as the test suite's; its figures are not a measurement). The
-- thread stops, but wrk's main thread sleeps the whole duration: the line WRK_STOPPED tells
-- bench/pages.py, which ends that sleep (SIGINT, wrk's own way to end a run early, figures printed).
local cap = tonumber(os.getenv("WRK_MAX_REQUESTS") or "0")
if cap > 0 then
  local answered = 0
  response = function(status, headers, body)
    answered = answered + 1
    if answered >= cap then
      wrk.thread:stop()
    end
    if answered == cap then
      io.write("WRK_STOPPED\n")
      io.flush()
    end
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, ' ..
    '"errors_timeout": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
