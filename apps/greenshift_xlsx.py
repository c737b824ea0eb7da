#!/usr/bin/python3
# greenshift export --xlsx: an Excel workbook from the tables `greenshift export`
# has written as CSV into a scratch folder (apps/cmd_export.cpp), listed with each
# column's kind, role, units and meaning in tables.tsv. Called as
#   /usr/bin/python3 greenshift_xlsx.py TABLES_DIR OUT.xlsx [--name NAME] [--quiet]
# (NAME: what error messages call the workbook, when OUT.xlsx is a temporary name).
# Sheets: "Key results" (the summary table, row for row as `greenshift summary
# --csv`), "About" (the source, the selection, what each sheet holds, every column's
# units and meaning, notes), then one sheet per table. Excel's limits hold: a table
# longer than 1,048,575 data rows continues on further sheets, one wider than 16,384
# columns likewise (the coordinates repeated), sheet names have at most 31
# characters, a text cell at most 32,767. Numbers are written with 16 significant
# digits (xlsxwriter's format; Excel shows 15). Exit codes as greenshift's: 0 ok,
# 1 missing library or internal error, 3 bad tables, 4 cannot write, 75 interrupted.
import csv
import datetime
import os
import sys
import time

EXIT_INTERNAL, EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT, EXIT_INTERRUPTED = 1, 2, 3, 4, 75
MAX_ROWS, MAX_COLS, MAX_SHEET_NAME, MAX_TEXT = 1048576, 16384, 31, 32767
EXACT_INTEGER = 2 ** 53  # larger integers (seeds) are written as text, digit for digit

GROUP_LABEL = {"/": "run", "runs": "runs", "statistics": "stats", "effects": "effects",
               "effect_statistics": "eff stats"}
DIM_LABEL = {"size_class": "size", "technology": "tech", "io_sector": "io", "indicator": "indicators"}
IMPLIED = {"run", "variant"}  # every table of a group has them; "statistic" too in these groups:
STATISTICS_GROUPS = {"statistics", "effect_statistics"}


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Table:
    def __init__(self, name, group, rows, file):
        self.name, self.group, self.rows, self.file = name, group, int(rows), file
        self.columns = []  # (name, kind, role, units, long_name)


def read_manifest(folder):
    path = os.path.join(folder, "tables.tsv")
    source, selection, notes, tables = None, None, [], []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if not lines or lines[0] != "greenshift-tables\t1":
        raise Failure(EXIT_INPUT, f"{path}: not a greenshift table list")
    for line in lines[1:]:
        if not line:
            continue
        field = line.split("\t")
        if field[0] == "source":
            source = field[1:]
        elif field[0] == "selection":
            selection = field[1:]
        elif field[0] == "note":
            notes.append(field[1])
        elif field[0] == "table":
            tables.append(Table(*field[1:5]))
        elif field[0] == "column" and tables:
            tables[-1].columns.append(tuple(field[1:6]))
    return source, selection, notes, tables


class Progress:
    """A line redrawn in place on a terminal, a line per 10% otherwise (as greenshift's)."""

    def __init__(self, label, total, enabled):
        self.label, self.total, self.enabled = label, max(total, 1), enabled
        self.tty = sys.stderr.isatty()
        self.start = self.last = time.monotonic()
        self.decile = -1

    def update(self, done, detail=""):
        if not self.enabled:
            return
        now = time.monotonic()
        pct = int(100 * done / self.total)
        elapsed = now - self.start
        eta = elapsed * (self.total - done) / done if done else 0.0
        line = f"{self.label} {done}/{self.total} ({pct}%) {detail} elapsed {elapsed:.1f}s eta {eta:.1f}s"
        if self.tty:
            if done < self.total and now - self.last < 0.1:
                return
            self.last = now
            sys.stderr.write("\r\033[K" + line)
            if done >= self.total:
                sys.stderr.write("\r\033[K")
            sys.stderr.flush()
        elif pct // 10 != self.decile:
            self.decile = pct // 10
            print(line, file=sys.stderr)


class SheetNames:
    """Names Excel accepts: at most 31 characters, none of []:*?/\\, no apostrophe at
    either end, unique regardless of case, not "History"."""

    def __init__(self):
        self.taken = {"history"}

    def make(self, wanted):
        base = "".join(" " if c in "[]:*?/\\" else c for c in wanted).strip().strip("'") or "sheet"
        name = base[:MAX_SHEET_NAME]
        k = 2
        while name.lower() in self.taken:
            suffix = f" ~{k}"
            name = base[:MAX_SHEET_NAME - len(suffix)] + suffix
            k += 1
        self.taken.add(name.lower())
        return name


def sheet_title(table):
    """"stats time·sector·tech": the group, then the dimensions a reader needs to tell
    the group's tables apart ("budgets summary" for a list indexed 0, 1, ...)."""
    implied = IMPLIED | ({"statistic"} if table.group in STATISTICS_GROUPS else set())
    dims = [c[0] for c in table.columns if c[2] == "dimension" and c[0] not in implied]
    label = GROUP_LABEL.get(table.group, table.group)
    if dims == ["index"]:
        dims = [c[0] for c in table.columns if c[2] == "variable"][:1]
    return label + (" " + "·".join(DIM_LABEL.get(d, d) for d in dims) if dims else "")


class Writer:
    def __init__(self, book):
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.truncated = 0

    def text(self, sheet, r, c, value, fmt=None):
        if len(value) > MAX_TEXT:
            value = value[:MAX_TEXT - 1] + "…"
            self.truncated += 1
        sheet.write_string(r, c, value, fmt)

    def cell(self, sheet, r, c, kind, value):
        if value == "":
            return  # NaN and missing values: an empty cell, as in the CSV
        if kind == "real":
            x = float(value)
            if x != x or x in (float("inf"), float("-inf")):
                self.text(sheet, r, c, value)
            else:
                sheet.write_number(r, c, x)
        elif kind == "integer":
            x = int(value)
            if abs(x) <= EXACT_INTEGER:
                sheet.write_number(r, c, x)
            else:
                self.text(sheet, r, c, value)
        elif kind == "date":
            d = datetime.date.fromisoformat(value)
            if d.year >= 1900:
                sheet.write_datetime(r, c, datetime.datetime(d.year, d.month, d.day), self.date)
            else:
                self.text(sheet, r, c, value)  # Excel has no dates before 1900
        else:
            self.text(sheet, r, c, value)


def widths(columns):
    out = []
    for name, kind, role, _, _ in columns:
        if name == "long_name":
            out.append(70)
        elif kind == "date":
            out.append(11)
        elif kind == "text":
            out.append(min(max(len(name), 14), 40))
        else:
            out.append(max(len(name), 11) + 1)
    return out


def table_parts(table):
    """[(first data row, rows, column indices)]: sheets the table needs within Excel's limits."""
    coords = [i for i, c in enumerate(table.columns) if c[2] != "variable"]
    values = [i for i, c in enumerate(table.columns) if c[2] == "variable"]
    per_sheet_cols = MAX_COLS - len(coords)
    if per_sheet_cols < 1:
        raise Failure(EXIT_INPUT, f"table {table.name}: {len(coords)} coordinate columns, more than a sheet holds")
    col_sets = [coords + values[k:k + per_sheet_cols] for k in range(0, max(len(values), 1), per_sheet_cols)]
    per_sheet_rows = MAX_ROWS - 1
    parts = []
    for first in range(0, max(table.rows, 1), per_sheet_rows):
        for cols in col_sets:
            parts.append((first, min(per_sheet_rows, table.rows - first), cols))
    return parts


def write_table(w, folder, table, names, progress, done, about):
    parts = table_parts(table)
    sheets = []
    for k, (first, rows, cols) in enumerate(parts):
        title = sheet_title(table) + (f" ({k + 1} of {len(parts)})" if len(parts) > 1 else "")
        sheet = w.book.add_worksheet(names.make(title))
        for j, width in enumerate(widths([table.columns[i] for i in cols])):
            sheet.set_column(j, j, width)
        for j, i in enumerate(cols):
            w.text(sheet, 0, j, table.columns[i][0], w.bold)
        sheet.freeze_panes(1, 0)
        if rows > 0:
            sheet.autofilter(0, 0, rows, len(cols) - 1)
        sheets.append((sheet, first, rows, cols))
        about.append((sheet.get_name(), table.name, first, rows, len(cols), len(parts)))
    kinds = [c[1] for c in table.columns]
    with open(os.path.join(folder, table.file), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != [c[0] for c in table.columns]:
            raise Failure(EXIT_INPUT, f"{table.file}: the header does not match the table list")
        for n, row in enumerate(reader):
            for sheet, first, rows, cols in sheets:
                if first <= n < first + rows:
                    r = n - first + 1
                    for j, i in enumerate(cols):
                        w.cell(sheet, r, j, kinds[i], row[i])
            if n % 20000 == 19999:
                progress.update(done + n + 1, table.name)
    return table.rows


def write_key_results(w, folder, tables, names, source):
    sheet = w.book.add_worksheet(names.make("Key results"))
    summary = next((t for t in tables if t.group == "summary"), None)
    if summary is None:
        sheet.set_column(0, 0, 110)
        kind = "a run file" if source and len(source) > 1 and source[1] == "run" else "this batch file"
        w.text(sheet, 0, 0, "No key results", w.bold)
        w.text(sheet, 1, 0, f"The key results are the indicators of a programme against its paired baseline; "
                            f"{kind} has none (no variant with a baseline, or the summary was not selected). "
                            "The tables follow on the next sheets; About lists them.")
        return None
    for j, width in enumerate(widths(summary.columns)):
        sheet.set_column(j, j, width)
    kinds = [c[1] for c in summary.columns]
    with open(os.path.join(folder, summary.file), newline="", encoding="utf-8") as f:
        for r, row in enumerate(csv.reader(f)):
            for j, value in enumerate(row):
                if r == 0:
                    w.text(sheet, 0, j, value, w.bold)
                else:
                    w.cell(sheet, r, j, kinds[j] if j < len(kinds) else "text", value)
    sheet.freeze_panes(1, 2)
    return summary


def write_about(sheet, w, source, selection, notes, tables, about):
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 44)
    sheet.set_column(2, 5, 14)
    sheet.set_column(6, 6, 90)
    r = 0

    def line(*cells, fmt=None):
        nonlocal r
        for j, value in enumerate(cells):
            if isinstance(value, (int, float)):
                sheet.write_number(r, j, value, fmt)
            else:
                w.text(sheet, r, j, str(value), fmt)
        r += 1

    line("greenshift export", fmt=w.bold)
    if source:
        line("source file", source[0])
        line("file kind", "batch (runs, statistics across runs, effects against baselines)"
             if len(source) > 1 and source[1] == "batch" else "run (one run of one scenario)")
    if selection and len(selection) == 4:
        for label, value in zip(("groups", "variables", "years (step start)", "statistics"), selection):
            line(label, value)
    line("time", "time is the date a step starts and year its calendar year; flows are totals over the step, "
                 "stocks (counts, capacity, shares, indices) are values at its end")
    line("numbers", "16 significant digits (the CSV export keeps every digit); empty cells are undefined "
                    "values (NaN); integers beyond 2^53, such as seeds, are text")
    for n in notes:
        line("note", n)
    r += 1
    line("sheet", "table", "first row", "rows", "columns", "sheets", fmt=w.bold)
    for name, table, first, rows, cols, parts in about:
        line(name, table, first + 1, rows, cols, parts)
    if any(parts > 1 for *_, parts in about):
        line("note", "a table longer than 1,048,575 rows or wider than 16,384 columns continues on further "
                     "sheets, numbered (k of n); first row counts the table's data rows from 1")
    r += 1
    line("table", "column", "kind", "role", "units", "", "meaning", fmt=w.bold)
    for t in tables:
        for name, kind, role, units, long_name in t.columns:
            line(t.name, name, kind, role, units, "", long_name)


def build(folder, target, quiet):
    try:
        import xlsxwriter
    except ImportError as e:
        raise Failure(EXIT_INTERNAL, f"--xlsx needs python3 with xlsxwriter ({e}); on Debian: apt-get install "
                                     "python3-xlsxwriter (scripts/setup.sh installs it)")
    source, selection, notes, tables = read_manifest(folder)
    # constant_memory: each sheet streams to a temporary file (in the tables' folder,
    # beside the output, rather than /tmp), so memory stays flat however large.
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "tmpdir": folder, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False,
                                        "use_zip64": True})
    w = Writer(book)
    names = SheetNames()
    summary = write_key_results(w, folder, tables, names, source)
    about_sheet = book.add_worksheet(names.make("About"))
    data = [t for t in tables if t is not summary]
    total = sum(t.rows for t in data)
    progress = Progress("export xlsx", total, not quiet)
    about, done = [], 0
    for t in data:
        done += write_table(w, folder, t, names, progress, done, about)
        progress.update(done, t.name)
    if w.truncated:
        notes.append(f"{w.truncated} text cells longer than Excel's 32,767 characters were shortened (the CSV "
                     "export keeps them whole)")
    write_about(about_sheet, w, source, selection, notes, tables, about)
    progress.update(total, "saving")
    book.close()


def main(argv):
    quiet = "--quiet" in argv
    args = [a for a in argv if a != "--quiet"]
    name = None
    if "--name" in args and args.index("--name") + 1 < len(args):
        k = args.index("--name")
        name = args[k + 1]
        del args[k:k + 2]
    if len(args) != 2:
        print("usage: greenshift_xlsx.py TABLES_DIR OUT.xlsx [--name NAME] [--quiet]", file=sys.stderr)
        return EXIT_USAGE
    name = name or args[1]
    try:
        build(args[0], args[1], quiet)
    except Failure as e:
        print(f"greenshift: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        if name == args[1]:  # run on its own; under greenshift (--name), greenshift says it
            print(f"\ngreenshift: interrupted; {name} not written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as e:
        print(f"greenshift: error: cannot write {name}: {e.strerror or e}; nothing written", file=sys.stderr)
        return EXIT_OUTPUT
    except Exception as e:  # xlsxwriter's own errors, e.g. a file that could not be closed
        print(f"greenshift: error: cannot write {name}: {e}; nothing written", file=sys.stderr)
        return EXIT_OUTPUT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
