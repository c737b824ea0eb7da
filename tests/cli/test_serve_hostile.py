#!/usr/bin/python3
"""Hostile requests against `greenshift serve`: each is refused with a JSON error and
the status it deserves, 1,000 concurrent connections are all answered, and the
server still computes a study correctly afterwards.

usage: test_serve_hostile.py GREENSHIFT SOURCE_DIR
"""
import asyncio
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def start(exe, folder, *extra):
    p = subprocess.Popen([exe, "serve", folder, "--port", "0", "--threads", "2", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [p.stdout.readline().strip(), p.stdout.readline().strip()]
    url = lines[0].split(" ")[-1]
    port = int(url.split(":")[2].split("/")[0])
    return p, port, url, lines


def request(port, method, path, body=None, headers=None, host="127.0.0.1"):
    c = http.client.HTTPConnection(host, port, timeout=60)
    h = {"Connection": "close"}
    h.update(headers or {})
    data = body.encode() if isinstance(body, str) else body
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    return r.status, payload, r.getheader("Content-Type")


def study(port, **fields):
    body = {"scenario": "morocco-cop22.yaml", "replicates": 2}
    body.update(fields)
    return request(port, "POST", "/api/study", json.dumps(body))


def refused(port, method, path, body, status, text, what, headers=None):
    s, payload, ctype = request(port, method, path, body, headers)
    ok = s == status and ctype is not None and ctype.startswith("application/json") and isinstance(payload, dict) \
        and text in payload.get("error", "")
    check(ok, f"{what}: {s} {payload if not ok else ''}".rstrip())


def raw_request(port, data, timeout=10):
    """The first response line and body of a request sent as raw bytes (paths curl would normalise)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            break
        if not b:
            break
        chunks.append(b)
    s.close()
    text = b"".join(chunks).decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    return head.split("\r\n")[0], body


async def one_of_many(port, k, results):
    kinds = [
        ("GET", "/api/scenarios", None),
        ("POST", "/api/study", "{not json"),
        ("POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "replicates": 10**9})),
        ("POST", "/api/study", json.dumps({"scenario": "../../etc/passwd"})),
        ("GET", "/api/scenario?file=..%2Fscenarios%2Fmorocco-cop22.yaml", None),
        ("POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "replicates": 1, "client": "flood",
                                           "seq": k})),
    ]
    method, path, body = kinds[k % len(kinds)]
    data = body.encode() if body else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60)
        writer.write(head.encode() + b"\r\n" + data)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 120)
        writer.close()
        status_line, _, rest = reply.decode("utf-8", "replace").partition("\r\n")
        status = int(status_line.split(" ")[1])
        payload = json.loads(rest.partition("\r\n\r\n")[2])
        results.append((k % len(kinds), status, payload))
    except Exception as e:  # a connection refused, reset or timed out counts as a failure
        results.append((k % len(kinds), None, repr(e)))


async def many(port, n):
    results = []
    await asyncio.gather(*(one_of_many(port, k, results) for k in range(n)))
    return results


def main():
    exe, source = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="greenshift-serve-hostile-")
    folder = os.path.join(work, "scenarios")
    os.makedirs(folder)
    for f in ["morocco-cop22.yaml", "morocco-cop22-batch.yaml", "stress-10m.yaml"]:
        shutil.copy(os.path.join(source, "scenarios", f), folder)
    secret = os.path.join(work, "secret.yaml")
    with open(secret, "w") as f:
        f.write("schema: 1\nname: secret\n")
    os.symlink(secret, os.path.join(folder, "leak.yaml"))  # leads out of the folder: never listed
    server, port, url, _ = start(exe, folder)
    try:
        # --- a second server on the same port is refused, not given half the connections ---
        p = subprocess.run([exe, "serve", folder, "--port", str(port)], capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and "cannot listen on 127.0.0.1:" in p.stderr,
              f"a second server on the port: exit {p.returncode}, {p.stderr.strip()}")

        # --- listing and path traversal ---
        s, payload, _ = request(port, "GET", "/api/scenarios")
        files = [e["file"] for e in payload["scenarios"]]
        check(s == 200 and files == ["morocco-cop22.yaml", "stress-10m.yaml"],
              f"the folder's scenarios are listed, batch file and outside link left out: {files}")
        refused(port, "GET", "/api/scenario?file=leak.yaml", None, 404, "no scenario 'leak.yaml'", "link out of the folder")
        refused(port, "GET", "/api/scenario?file=../secret.yaml", None, 404, "no scenario", "../ in ?file=")
        refused(port, "GET", "/api/scenario?file=%2Fetc%2Fpasswd", None, 404, "no scenario", "absolute path in ?file=")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "../secret.yaml"}), 404, "no scenario",
                "../ as the study's scenario")
        for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/download/0123456789abcdef/../../../etc/passwd",
                     "/web/../apps/cmd_serve.cpp", "/lib/../../../../usr/share/javascript/chart.js/chart.js"]:
            line, body = raw_request(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            check(" 404 " in line + " " and "root:" not in body and "#include" not in body and '"error"' in body,
                  f"GET {path}: {line}")

        # --- malformed and out-of-bounds requests ---
        refused(port, "POST", "/api/study", "{bad json", 400, "malformed JSON", "malformed JSON")
        refused(port, "POST", "/api/study", "", 400, "malformed JSON", "empty body")
        refused(port, "POST", "/api/study", "[1, 2]", 400, "must be a JSON object", "a JSON array")
        refused(port, "POST", "/api/study", "[" * 5000 + "]" * 5000, 400, "nested too deeply", "5,000 nested arrays")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "x": 1}), 400,
                "unknown key 'x'", "unknown top-level key")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml",
                                                        "changes": {"policies.cop22_grant.anual_budget": 1}}), 400,
                "no control 'policies.cop22_grant.anual_budget'", "unknown control key")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml",
                                                        "changes": {"run.seed": 1}}), 400, "no control 'run.seed'",
                "a scenario key that is not a control")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml",
                                                        "changes": {"policies.cop22_grant.rate": "0.3, evil: 1"}}), 400,
                "expected a number", "text where a number goes (no YAML injection)")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "replicates": 10**9}), 400,
                "'replicates' must be an integer from 1 to 200", "a billion replicates")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "replicates": 0}), 400,
                "'replicates'", "zero replicates")
        refused(port, "POST", "/api/study", '{"scenario": "morocco-cop22.yaml", "changes": {"policies.cop22_grant.rate": 1e999}}',
                400, "", "1e999 for a rate")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "seed": -1}), 400,
                "'seed'", "a negative seed")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "client": "a/b", "seq": 1}),
                400, "'client'", "a client id with a slash")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "replicates": 2,
                                                        "changes": {"policies.cop22_grant.rate": 1.5}}), 422,
                "policies.cop22_grant.rate: out of range, got '1.5'; allowed: (0, 1]", "a grant rate of 1.5 (loader's message)")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "stress-10m.yaml", "replicates": 1}), 413,
                "at most 2000000 firms per run", "10 million firms")
        refused(port, "POST", "/api/study", "x" * (100 * 1024), 413, "too large", "a 100 KiB body")
        refused(port, "GET", "/api/scenarios", None, 403, "loopback", "a Host header that is not the loopback",
                headers={"Host": "attacker.example:80"})
        refused(port, "GET", "/api/download/0123456789abcdef/batch.h5", None, 404, "no study", "an unknown study id")
        refused(port, "DELETE", "/api/study", None, 404, "", "an unknown method")

        # --- 1,000 concurrent connections, then the server still works ---
        t0 = time.monotonic()
        results = asyncio.run(many(port, 1000))
        dt = time.monotonic() - t0
        answered = [r for r in results if r[1] is not None]
        statuses = {}
        for kind, status, _ in answered:
            statuses.setdefault(kind, set()).add(status)
        lost = [r for r in results if r[1] is None]
        check(len(answered) == 1000, f"1,000 concurrent requests answered in {dt:.1f} s ({len(lost)} lost: {lost[:3]})")
        expected = {0: {200}, 1: {400}, 2: {400}, 3: {404}, 4: {404}, 5: {200, 409, 503}}
        check(all(statuses.get(k, set()) <= v for k, v in expected.items()),
              f"each kind got its status: {dict(sorted((k, sorted(v)) for k, v in statuses.items()))}")
        check(all(isinstance(p, dict) and (s == 200 or "error" in p) for _, s, p in answered),
              "every answer is JSON, errors with an 'error' message")
        check(server.poll() is None, "the server is still running")
        s, payload, _ = study(port, replicates=3)
        check(s == 200 and payload["replicates"] == 3 and payload["indicators"][0]["name"] == "co2_avoided"
              and payload["indicators"][0]["mean"] > 0, f"a study after the flood: {s}")
        a = payload["indicators"][0]["mean"]
        s, payload, _ = study(port, replicates=3)
        check(s == 200 and payload["indicators"][0]["mean"] == a, "the same study twice gives the same numbers")

        # --- supersession: an older request of the same page is dropped ---
        async def pair():
            loop = asyncio.get_running_loop()
            older = loop.run_in_executor(None, lambda: study(port, replicates=40, client="page1", seq=1))
            await asyncio.sleep(0.3)
            newer = loop.run_in_executor(None, lambda: study(port, replicates=1, client="page1", seq=2))
            return await older, await newer
        (s1, p1, _), (s2, p2, _) = asyncio.run(pair())
        check(s1 == 409 and p1.get("superseded") is True and s2 == 200,
              f"an older request superseded by a newer one: {s1} then {s2}")
        refused(port, "POST", "/api/study", json.dumps({"scenario": "morocco-cop22.yaml", "replicates": 1,
                                                        "client": "page1", "seq": 1}), 409, "superseded",
                "a request older than one already seen")
    finally:
        server.terminate()
        try:
            rc = server.wait(timeout=20)
            check(rc == 0, f"SIGTERM ends the server cleanly (exit {rc})")
        except subprocess.TimeoutExpired:
            server.kill()
            check(False, "SIGTERM ends the server within 20 s")

    # --- another address: only with the token ---
    server, port, url, lines = start(exe, folder, "--bind", "0.0.0.0")
    try:
        token = url.partition("?token=")[2]
        check(len(token) == 32 and "token" in lines[1], f"--bind 0.0.0.0 prints a token: {lines}")
        refused(port, "GET", "/api/scenarios", None, 401, "access token", "no token")
        refused(port, "GET", "/api/scenarios?token=" + "0" * 32, None, 401, "access token", "a wrong token")
        s, payload, _ = request(port, "GET", "/api/scenarios", headers={"X-Greenshift-Token": token})
        check(s == 200 and len(payload["scenarios"]) == 2, "the token in the header")
        s, _, _ = request(port, "GET", "/?token=" + token)
        check(s == 200, "the token in the page's URL")
    finally:
        server.terminate()
        server.wait(timeout=20)

    # --- the charts' library missing: a clear error at start ---
    env = dict(os.environ, GREENSHIFT_CHARTJS_DIR=os.path.join(work, "nowhere"))
    p = subprocess.run([exe, "serve", folder, "--port", "0"], env=env, capture_output=True, text=True, timeout=30)
    check(p.returncode != 0 and "libjs-chart.js" in p.stderr, f"no Chart.js: exit {p.returncode}, {p.stderr.strip()}")
    shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failed")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
