#!/usr/bin/python3
"""No file of the repository cites a path outside it.

A clone must carry everything its files point at: the sources of the scenario figures
(docs/sources/), the schema (docs/scenarios.md), the test helpers (tests/cli/). So no
tracked file may name the workspace the project was developed in (/work/...), a folder
beside the clone (../shared, shared/data, shared/tools) or a home folder; and no
document, scenario or code comment may point at a file in /tmp (a scratch file that
no reader has). Code may still use the temporary folder (mkdtemp templates).

Usage: check_repo_paths.py SOURCE_DIR   (exit 0: clean; 1: prints each citation)
       check_repo_paths.py --self-test  (plants each kind of citation in a scratch tree
                                         and checks that every one is caught)
"""
import os
import re
import subprocess
import sys
import tempfile

# Anywhere in a tracked text file.
OUTSIDE = re.compile(r"(?<![\w.-])/work(?:/|\b)|\.\./shared\b|\bshared/(?:data|tools)/|(?<![\w.-])/(?:home|root)/")
# In documents, scenarios and comments: a file under /tmp.
TMP = re.compile(r"(?<![\w.${}-])/tmp/")
COMMENT_SLASH = {".cpp", ".hpp", ".h", ".c", ".cc", ".js", ".css"}
COMMENT_HASH = {".sh", ".py", ".yaml", ".yml", ".cmake", ".txt", ".in", ".toml", ".cfg"}
DOCUMENTS = {".md", ".rst", ".html"}
SKIP_PREFIXES = ("tests/golden/reference",)  # digests
THIS_FILE = "tests/python/check_repo_paths.py"  # it spells the patterns out


def tracked_files(src):
    try:
        out = subprocess.run(["git", "-C", src, "ls-files", "-z"], capture_output=True, check=True).stdout
        return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(src):
            dirs[:] = [d for d in dirs if not d.startswith(".") and not d.startswith("build") and d != "out"]
            files += [os.path.relpath(os.path.join(root, n), src) for n in names]
        return files


def comment_part(line, ext, name):
    if ext in COMMENT_SLASH:
        k = line.find("//")
        return line[k:] if k >= 0 else ""
    if ext in COMMENT_HASH or name in ("CMakeLists.txt", "Dockerfile"):
        k = line.find("#")
        return line[k:] if k >= 0 else ""
    return ""


def citations(src, files):
    found = []
    for rel in files:
        if rel == THIS_FILE or rel.startswith(SKIP_PREFIXES):
            continue
        path = os.path.join(src, rel)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if b"\0" in data[:8192]:
            continue  # binary
        text = data.decode("utf-8", errors="replace")
        name = os.path.basename(rel)
        ext = os.path.splitext(name)[1]
        whole = ext in DOCUMENTS or rel.startswith("scenarios/")
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
                continue
            part = line if whole else comment_part(line, ext, name)
            if part and TMP.search(part):
                found.append(f"{rel}:{n}: {line.strip()}")
    return found


def self_test():
    planted = {
        "scenarios/s.yaml": ["# Sources: /work/shared/data/morocco.md", "schema: 1   # (/tmp/schema.md)"],
        "docs/a.md": ["see ../shared/tools/x.sh", "output in /tmp/out.h5", "shared/data/x.md"],
        "core/x.cpp": ["// cites /tmp/notes.txt", "int x; // /home/someone/file"],
        "tests/t.sh": ["helper=$src/../shared/helper.sh  # a sibling folder", "# /root/y"],
        "README.md": ["`git clone /work/main`"],
    }
    clean = {
        "core/y.cpp": ['char t[] = "/tmp/greenshift-XXXXXX";  // a scratch folder'],
        "tests/u.sh": ['tmp=$(mktemp -d /tmp/g.XXXXXX)', 'd=${TMPDIR:-/tmp}/x'],
        "docs/b.md": ["a /workspace and a /workbench folder", "path src/work/x and ~/x"],
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, lines in {**planted, **clean}.items():
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write("\n".join(lines) + "\n")
        got = citations(d, list(planted) + list(clean))
    expected = sum(len(v) for v in planted.values())
    caught = [g for g in got if g.split(":")[0] in planted]
    false = [g for g in got if g.split(":")[0] in clean]
    ok = len(caught) == expected and not false
    print(f"self-test: {len(caught)}/{expected} planted citations caught, {len(false)} false alarms")
    for g in false:
        print("  false alarm:", g)
    return 0 if ok else 1


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = citations(argv[0], tracked_files(argv[0]))
    for f in found:
        print(f)
    print(f"{len(found)} citation(s) of paths outside the repository")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
