-- wrk's script for `make bench`. Arguments after "--": the status every answer must have, then, for
-- the reply write, what its Location must contain and the form body (CSRF token included), in which
-- each "{n}" becomes the request's number. wrk itself counts a 3xx as a success, so a redirect to the
-- login page would pass unseen: here any other status, or a write redirected elsewhere, is counted.
-- done() prints the figures as one JSON line.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1])
  location = args[2]
  form = args[3]
  sent = 0
  wrong = 0
  if form then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    read = wrk.format()  -- the same request each time: made once
  end
end

function request()
  if not form then
    return read
  end
  sent = sent + 1
  return wrk.format(nil, nil, nil, (form:gsub("{n}", tostring(sent))))
end

function response(status, headers, body)
  if status ~= expected then
    wrong = wrong + 1
  elseif location and not string.find(headers["Location"] or "", location, 1, true) then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local wrong_answers = 0
  for _, thread in ipairs(threads) do
    wrong_answers = wrong_answers + thread:get("wrong")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "wrong_answers": %d, "socket_errors": %d, '
      .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, wrong_answers,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000
  ))
end
