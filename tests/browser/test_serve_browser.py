#!/usr/bin/python3
"""greenshift serve in a real headless browser (Debian chromium + chromium-driver +
python3-selenium): load the Morocco scenario, change the TPME grant budget, wait for
the charts, check that the CO2 avoided the page shows is what `greenshift batch`
gives for the same change and seed (a batch file written here, not the page's),
check a refused value is shown beside its field, download the programme and
baseline YAML and re-run them with `greenshift run` to the same numbers as the
batch's first replicate; add a carbon price and check the page's own batch file
gives the numbers shown. Screenshots go to OUTDIR.

usage: test_serve_browser.py GREENSHIFT SOURCE_DIR OUTDIR
Exit 77 (skipped) when chromium, chromedriver or selenium is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
BUDGET = 5000000  # policies.cop22_grant.annual_budget: 50 MDH/yr in the file, which the grants never
                  # use up; at 5 MDH/yr the budget binds and CO2 avoided falls
REPLICATES = 20
PROGRAMME = ["cop22_tpme_label", "cop22_tpme_audit_ta", "cop22_grant", "cop22_green_fund",
             "cop22_green_credit_line", "cop22_credit_line_grant"]


def in_order_sum(array):
    """Left to right, as the batch sums a variable (builtin sum compensates on Python >= 3.12)."""
    total = 0.0
    for x in array.ravel():
        total += float(x)
    return total


def main():
    exe, source, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
    # GREENSHIFT_CHROMIUM / GREENSHIFT_CHROMEDRIVER: another browser build (or none, to see the skip)
    chromium = os.environ.get("GREENSHIFT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver_exe = os.environ.get("GREENSHIFT_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.access(chromium, os.X_OK) and os.access(driver_exe, os.X_OK)):
        print("SKIPPED: chromium or chromedriver missing (apt-get install chromium chromium-driver)")
        return SKIP
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        import h5py
        import numpy  # noqa: F401  (h5py's arrays)
    except ImportError as e:
        print(f"SKIPPED: {e} (apt-get install python3-selenium python3-h5py)")
        return SKIP

    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    downloads = os.path.join(outdir, "downloads")
    os.makedirs(downloads)
    scenarios = os.path.join(source, "scenarios")
    server = subprocess.Popen([exe, "serve", scenarios, "--port", "0", "--threads", "2"],
                              stdout=subprocess.PIPE, stderr=open(os.path.join(outdir, "serve.log"), "w"), text=True)
    profile = tempfile.mkdtemp(prefix="greenshift-chromium-")
    driver = None
    try:
        url = server.stdout.readline().strip().split(" ")[-1]
        assert url.startswith("http://127.0.0.1:"), f"no URL from greenshift serve: {url!r}"

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     f"--user-data-dir={profile}", "--window-size=1500,1300"]:
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                                  "download.prompt_for_download": False})
        driver = webdriver.Chrome(service=Service(driver_exe), options=options)
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        wait = WebDriverWait(driver, 60)

        def state():
            return driver.find_element(By.TAG_NAME, "body").get_attribute("data-state")

        def seq():
            return int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-seq"))

        driver.get(url + "?scenario=morocco-cop22.yaml")
        wait.until(lambda d: state() == "ready")
        first = seq()
        initial = float(driver.find_element(By.ID, "co2-avoided").get_attribute("data-value"))
        assert driver.find_element(By.ID, "scenario").get_attribute("value") == "morocco-cop22.yaml"
        assert driver.find_element(By.ID, "replicates").get_attribute("value") == str(REPLICATES)
        seed = int(driver.find_element(By.ID, "seed").get_attribute("value"))
        ticked = [e.get_attribute("value") for e in driver.find_elements(By.CSS_SELECTOR, "input.programme:checked")]
        assert ticked == PROGRAMME, ticked  # the Morocco batch's baseline keeps the audit mandate
        driver.save_screenshot(os.path.join(outdir, "1-loaded.png"))

        # A refused value is shown beside its field, with the loader's message.
        rate = driver.find_element(By.ID, "c-policies-cop22-grant-rate")
        rate.clear()
        rate.send_keys("1.5")
        wait.until(lambda d: state() == "error" and seq() == first)
        msg = driver.find_element(By.CSS_SELECTOR, '.field[data-path="policies.cop22_grant.rate"] .msg').text
        assert "policies.cop22_grant.rate: out of range, got '1.5'; allowed: (0, 1]" in msg, msg
        driver.save_screenshot(os.path.join(outdir, "2-refused.png"))
        rate.clear()
        rate.send_keys("0.3")
        wait.until(lambda d: state() == "ready" and seq() > first)
        before = seq()

        # "ready" only once no change waits: the numbers shown are those of the last value typed.
        budget = driver.find_element(By.ID, "c-policies-cop22-grant-annual-budget")
        budget.clear()
        budget.send_keys(str(BUDGET))
        t0 = time.monotonic()
        wait.until(lambda d: state() == "ready" and seq() > before)
        redraw = time.monotonic() - t0
        co2 = driver.find_element(By.ID, "co2-avoided")
        shown_value = float(co2.get_attribute("data-value"))
        shown_text = co2.text
        driver.save_screenshot(os.path.join(outdir, "3-budget-5MDH.png"))
        assert shown_value < initial, f"CO2 avoided {shown_value!r} at 5 MDH/yr, {initial!r} at 50 MDH/yr"
        print(f"page: CO2 avoided {shown_text} (mean {shown_value!r}), redrawn {redraw:.2f} s after typing")

        # The same change as a batch file of our own, run by `greenshift batch`.
        batch = os.path.join(outdir, "reference-batch.yaml")
        with open(batch, "w") as f:
            f.write(f"scenario: {os.path.join(os.path.abspath(scenarios), 'morocco-cop22.yaml')}\n"
                    f"seed: {seed}\nreplicates: {REPLICATES}\nvariants:\n"
                    f"  baseline:\n    unset: [{', '.join('policies.' + p for p in PROGRAMME)}]\n"
                    f"  changed:\n    baseline: baseline\n"
                    f"    set: {{policies.cop22_grant.annual_budget: {BUDGET}}}\n")
        h5 = os.path.join(outdir, "reference-batch.h5")
        subprocess.run([exe, "batch", batch, "-o", h5, "--threads", "2", "-q"], check=True)
        with h5py.File(h5, "r") as f:
            indicators = [x.decode() for x in f["summary/indicator"][:]]
            statistics = [x.decode() for x in f["summary/statistic"][:]]
            i = indicators.index("co2_avoided")
            batch_mean = float(f["summary/value"][0, i, statistics.index("mean")])
            variants = [x.decode() for x in f["runs/variant"][:]]
            replicates = f["runs/replicate"][:]
            run_of = {(variants[k], int(replicates[k])): k for k in range(len(variants))}
            co2_runs = f["runs/co2_emissions"][:]
            effect_variant = [x.decode() for x in f["effects/variant"][:]]
            effect_replicate = f["effects/replicate"][:]
            row0 = [k for k in range(len(effect_variant)) if effect_replicate[k] == 0][0]
            batch_first = float(f["effects/indicators"][row0, i])
        assert shown_value == batch_mean, f"page {shown_value!r} != greenshift batch {batch_mean!r}"
        assert shown_text == f"{round(batch_mean):,} t", f"page shows {shown_text!r} for {batch_mean!r}"
        print(f"greenshift batch: CO2 avoided mean {batch_mean!r}: equal")

        # Download the changed scenario (and its baseline) as YAML; `greenshift run` them.
        for link, name in [("dl-programme", "morocco-cop22-programme.yaml"),
                           ("dl-baseline", "morocco-cop22-baseline.yaml")]:
            driver.find_element(By.ID, link).click()
            path = os.path.join(downloads, name)
            WebDriverWait(driver, 30).until(lambda d: os.path.exists(path) and os.path.getsize(path) > 0)
        runs = {}
        for which in ["programme", "baseline"]:
            out = os.path.join(outdir, f"rerun-{which}.h5")
            subprocess.run([exe, "run", os.path.join(downloads, f"morocco-cop22-{which}.yaml"), "-o", out, "-q",
                            "--threads", "2"], check=True)
            with h5py.File(out, "r") as f:
                runs[which] = f["co2_emissions"][:]
        # Replicate 0 of the batch, bit for bit, and its CO2 avoided summed as the batch sums it.
        assert (runs["programme"] == co2_runs[run_of[("changed", 0)]]).all(), "programme run differs from the batch"
        assert (runs["baseline"] == co2_runs[run_of[("baseline", 0)]]).all(), "baseline run differs from the batch"
        avoided = in_order_sum(runs["baseline"]) - in_order_sum(runs["programme"])
        assert avoided == batch_first, f"re-run CO2 avoided {avoided!r} != batch replicate 0 {batch_first!r}"
        print(f"greenshift run of the downloaded YAML: CO2 avoided {avoided!r} = the batch's replicate 0")

        # A carbon price added to the programme (the scenario has none): the page's own
        # batch file, downloaded, gives with `greenshift batch` the numbers shown.
        before = seq()
        carbon = driver.find_element(By.ID, "c-carbon-price")
        carbon.clear()
        carbon.send_keys("200")
        wait.until(lambda d: state() == "ready" and seq() > before)
        with_carbon = float(driver.find_element(By.ID, "co2-avoided").get_attribute("data-value"))
        assert with_carbon > shown_value, f"a 200 MAD/t carbon price avoids less CO2: {with_carbon!r}"
        driver.find_element(By.ID, "dl-batch-yaml").click()
        page_batch = os.path.join(downloads, "serve-batch.yaml")
        WebDriverWait(driver, 30).until(lambda d: os.path.exists(page_batch) and os.path.getsize(page_batch) > 0)
        h5 = os.path.join(outdir, "page-batch.h5")
        subprocess.run([exe, "batch", page_batch, "-o", h5, "--threads", "2", "-q"], check=True)
        with h5py.File(h5, "r") as f:
            indicators = [x.decode() for x in f["summary/indicator"][:]]
            page_batch_mean = float(f["summary/value"][0, indicators.index("co2_avoided"), 0])
        assert page_batch_mean == with_carbon, f"page {with_carbon!r} != its batch file {page_batch_mean!r}"
        print(f"carbon price 200 MAD/t: CO2 avoided {with_carbon!r} = greenshift batch on the page's batch file")

        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        driver.save_screenshot(os.path.join(outdir, "4-downloads.png"))
        assert server.poll() is None, "the server stopped"
        print("ok")
        return 0
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
