#!/usr/bin/python3
"""Execute the example notebooks headlessly in real Jupyter and check them.

    /usr/bin/python3 examples/notebooks/run.py [--kernel aim-go] [NOTEBOOK ...]

Each notebook (default: every *.ipynb beside this script) is executed with
nbclient on the aim-kernel kernelspec, from its own directory, and fails when

  - it is committed with outputs (they must be stripped in git);
  - a cell produces an error output (execution stops there);
  - it shows no image/png output;
  - its HTML export (nbconvert, as `jupyter nbconvert --to html` makes it)
    does not hold every PNG output as a non-empty image (--no-html skips this);
  - it takes longer than --budget seconds (default 180: 3 minutes).

--strip removes the outputs and execution counts of the given notebooks in
place instead (after working on them in Jupyter). --out DIR keeps the
executed copies. Needs Debian's python3-nbclient (and jupyter-client) and,
for the HTML check, python3-nbconvert; the kernel must be installed
(aim-kernel install).
"""

import argparse
import glob
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def has_outputs(nb):
    return any(c.get("outputs") or c.get("execution_count") is not None
               for c in nb.cells if c.cell_type == "code")


def strip(path):
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    nbformat.write(nb, path)


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def html_problems(nb, pngs):
    """Exports nb to HTML; returns what is wrong with its images."""
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        return ["HTML check: nbconvert is missing (apt-get install python3-nbconvert, or pass --no-html)"]
    body, _ = HTMLExporter().from_notebook_node(nb)
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]*)"', body)
    empty = sum(1 for b in images if not b.strip())
    full = len(images) - empty
    if empty or full < pngs:
        return ["HTML export: %d of %d PNG outputs are non-empty images (%d empty)" % (full, pngs, empty)]
    return []


def run(path, args):
    """Executes one notebook; returns its problems and elapsed seconds."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    if has_outputs(nb):
        problems.append("committed with outputs: strip them (run.py --strip)")
    client = NotebookClient(nb, timeout=args.timeout, kernel_name=args.kernel,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as e:
        problems.append("a cell failed:\n" + str(e))
    except Exception as e:  # a kernel that died or timed out
        problems.append("execution failed: %s: %s" % (type(e).__name__, e))
    elapsed = time.monotonic() - start
    outs = outputs(nb)
    errors = [o for o in outs if o.output_type == "error"]
    if errors and not any(p.startswith("a cell failed") for p in problems):
        problems.append("error output: %s: %s" % (errors[0].get("ename"), errors[0].get("evalue")))
    pngs = sum(1 for o in outs if "image/png" in o.get("data", {}))
    if pngs == 0:
        problems.append("no image/png output")
    if args.html:
        problems += html_problems(nb, pngs)
    if elapsed > args.budget:
        problems.append("took %.0f s, more than the budget of %.0f s" % (elapsed, args.budget))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        nbformat.write(nb, os.path.join(args.out, os.path.basename(path)))
    print("%-40s %6.1f s  %2d PNG outputs  %s" % (os.path.basename(path), elapsed, pngs,
                                                  "ok" if not problems else "FAILED"), flush=True)
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="default: every notebook beside this script")
    ap.add_argument("--kernel", default="aim-go", help="kernelspec name (default aim-go)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds a cell may take (default 600)")
    ap.add_argument("--budget", type=float, default=180, help="seconds a notebook may take (default 180)")
    ap.add_argument("--out", help="directory for the executed notebooks")
    ap.add_argument("--strip", action="store_true", help="strip outputs in place instead of running")
    ap.add_argument("--no-html", dest="html", action="store_false",
                    help="skip the check of the HTML export's images")
    args = ap.parse_args()
    paths = args.notebooks or sorted(glob.glob(os.path.join(here, "*.ipynb")))
    if not paths:
        sys.exit("run.py: no notebooks")
    if args.strip:
        for p in paths:
            strip(p)
        return
    failed = 0
    for p in paths:
        problems = run(p, args)
        for problem in problems:
            print("  " + problem.replace("\n", "\n  "), flush=True)
        failed += bool(problems)
    if failed:
        sys.exit("run.py: %d of %d notebooks failed" % (failed, len(paths)))


if __name__ == "__main__":
    main()
