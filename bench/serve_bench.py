#!/usr/bin/python3
"""greenshift serve: how fast the page answers (docs/serve.md, "Speed").

  bench/serve_bench.py [GREENSHIFT] [--changes N] [--seconds S]

Starts `greenshift serve scenarios --threads 2` and prints:
  - change -> redrawn: in headless chromium, the Morocco programme with 20
    replicates; the TPME grant budget is set N times (default 10) to a new value, as
    one move of a control, and the page reports the time from the change to the
    charts drawn (the page's 150 ms pause for typing included) and from its request
    to the charts drawn. Target: under 1 s on 2 cores. Skipped without chromium,
    chromium-driver or python3-selenium.
  - studies/s: 20-replicate studies (40 runs) sent by 1 client in turn, and by 2
    clients at once (what --max-studies 2 allows), for S seconds (default 5), with
    the server's own time per study and its CPU time per study (user + system, from
    /proc): on shared cores the wall time grows, the CPU time much less.
  - requests/s: GET /api/scenarios from 8 clients on kept-alive connections, for S
    seconds: the HTTP layer alone.
The machine's load average is printed first: on shared cores the figures are slower.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def study_body(budget, replicates=20):
    return json.dumps({"scenario": "morocco-cop22.yaml", "replicates": replicates,
                       "changes": {"policies.cop22_grant.annual_budget": budget}})


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hammer(port, seconds, clients, make_request):
    """Requests per second from `clients` threads, each on its own kept-alive connection."""
    counts = [0] * clients
    server_seconds = []
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def client(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while time.monotonic() < stop:
            method, path, body = make_request(k, i)
            c.request(method, path, body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            if r.status == 200:
                counts[k] += 1
                if path == "/api/study":
                    server_seconds.append(json.loads(data)["seconds"])
            else:
                errors[k] += 1
            i += 1
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    return sum(counts) / dt, sum(errors), sum(counts), server_seconds


def browser(url, changes):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return None
    chromium, driver_exe = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_exe:
        return None
    profile = tempfile.mkdtemp(prefix="greenshift-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=1500,1100"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_exe), options=options)
    try:
        wait = WebDriverWait(driver, 60)
        body = lambda: driver.find_element(By.TAG_NAME, "body")  # noqa: E731
        driver.get(url + "?scenario=morocco-cop22.yaml")
        wait.until(lambda d: body().get_attribute("data-state") == "ready")
        change, request = [], []
        for i in range(changes + 1):
            seq = int(body().get_attribute("data-seq"))
            driver.execute_script(
                "const e = document.getElementById('c-policies-cop22-grant-annual-budget');"
                "e.value = arguments[0]; e.dispatchEvent(new Event('input'));", str(40000000 + 5000000 * (i + 1)))
            wait.until(lambda d: body().get_attribute("data-state") == "ready"
                       and int(body().get_attribute("data-seq")) > seq)
            if i == 0:
                continue  # the first change warms the browser's chart code
            change.append(int(body().get_attribute("data-change-ms")))
            request.append(int(body().get_attribute("data-ms")))
        return change, request
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe", nargs="?", default=os.path.join(ROOT, "build", "apps", "greenshift"))
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=5.0)
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; greenshift serve --threads 2")
    server = subprocess.Popen([a.exe, "serve", os.path.join(ROOT, "scenarios"), "--port", "0", "--threads", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip().split(" ")[-1]
        port = int(url.split(":")[2].split("/")[0])
        result = browser(url, a.changes)
        if result is None:
            print("change -> redrawn: n/a (needs chromium, chromium-driver, python3-selenium)")
        else:
            change, request = result
            print(f"change -> redrawn, Morocco, 20 replicates (40 runs), {len(change)} changes: "
                  f"median {statistics.median(change)} ms (best {min(change)}, worst {max(change)}); "
                  f"request -> drawn median {statistics.median(request)} ms; target < 1000 ms")
        for clients in (1, 2):
            cpu0 = cpu_seconds(server.pid)
            rate, errors, done, server_seconds = hammer(
                port, a.seconds, clients, lambda k, i: ("POST", "/api/study", study_body(5000000 + 1000 * (k * 100000 + i))))
            cpu = (cpu_seconds(server.pid) - cpu0) / max(done, 1)
            print(f"studies/s, 20 replicates, {clients} client(s): {rate:.2f} ({rate * 40:.0f} runs/s; "
                  f"{errors} refused); server time per study median {statistics.median(server_seconds):.3f} s, "
                  f"server CPU per study {cpu:.3f} s (on 2 free cores: ~{cpu / 2:.3f} s of wall time)")
        rate, errors, _, _ = hammer(port, a.seconds, 8, lambda k, i: ("GET", "/api/scenarios", None))
        print(f"requests/s, GET /api/scenarios, 8 clients: {rate:.0f} ({errors} refused)")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
