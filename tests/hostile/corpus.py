"""The hostile-input corpus: files written into a folder (large ones generated) and command lines
that use them.  ``python corpus.py DIR`` runs every case in this one process, under the memory
cap the caller set, and prints one JSON line per case: its exit code and whether a traceback
(an exception other than SystemExit) came out.  tests/test_hostile.py drives it."""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from pathlib import Path

BASE = "species: rat\nduration: 2d\noutput_step: 12h\n"
MSC = "interventions:\n- {{type: msc, at: 1h, dose: 1e6 cells/kg, every: 1h, count: {}}}\n"


def files(folder: Path) -> dict[str, Path]:
    """Write the hostile files into ``folder``; returns name -> path."""
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        laughs.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    texts = {
        "deep.yaml": BASE + "description: " + "[" * 2000 + "]" * 2000 + "\n",
        "deep-map.yaml": BASE + "tags: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "laughs.yaml": BASE + "\n".join(laughs) + "\n",
        "self-alias.yaml": BASE + "insults: &a [*a]\n",
        "python-tag.yaml": BASE + "description: !!python/object/apply:os.system ['true']\n",
        "surrogate.yaml": BASE + 'description: "\\ud800"\n',
        "count-1e9.yaml": BASE + MSC.format("1e9"),
        "count-4e12.yaml": BASE + MSC.format("4e12"),
        "count-400.yaml": BASE + MSC.format("9" * 400),
        "count-inf.yaml": BASE + MSC.format("1e400"),
        "pulses.yaml": BASE + "insults:\n- {type: chronic, start: 0h, every: 1e-6 h, pulse: 1e-7 h}\n",
        "events.yaml": BASE + "insults:\n" + "- {type: inflammation, at: 1h, amount: 0.1}\n" * 1500,
        "points.yaml": "species: rat\nduration: 1000d\noutput_step: 1e-9 h\n",
        "nan.yaml": "species: rat\nduration: .nan\n",
        "negative.yaml": "species: rat\nduration: -5 d\n",
        "merge.yaml": BASE + "parameters:\n  <<: {a: 1}\n",
        "duplicate.yaml": BASE + "species: mouse\n",
        "list.yaml": "- 1\n- 2\n",
        "empty.yaml": "",
        "bom.yaml": "\ufeff",
        "tabs.yaml": "species:\trat\n\tduration: 2d\n",
        "long-line.yaml": BASE + "description: " + "x" * 900_000 + "\n",
        "extends-up.yaml": "extends: ../../../../etc/passwd\n",
        "extends-abs.yaml": "extends: /etc/passwd\n",
        "extends-self.yaml": "extends: extends-self.yaml\n",
        "extends-a.yaml": "extends: extends-b.yaml\n",
        "extends-b.yaml": "extends: extends-a.yaml\n",
        "extends-notes.yaml": "extends: notes.txt\n",
        "notes.txt": "secret: AKIA-CORPUS-SECRET\n[section]\nkey = value\n",
        "big-list.yaml": BASE + "tags: [" + ",".join(["t"] * 600_000) + "]\n",
    }
    out = {}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        out[name] = folder / name
    raw = {
        "bad-bytes.yaml": b"species: rat\nduration: \xff\xfe2d\n",
        "nul.yaml": b"species: rat\x00\nduration: 2d\n",
        "random.yaml": random.Random(19).randbytes(4000),
    }
    for name, data in raw.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    with open(folder / "huge.yaml", "wb") as fh:  # over the byte limit
        fh.write(b"tags: [" + b"a," * 2_000_000 + b"a]\n")
    out["huge.yaml"] = folder / "huge.yaml"
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.yaml")
        out["fifo.yaml"] = folder / "fifo.yaml"
    return out


def mutants(folder: Path, n: int = 60) -> list[Path]:
    """``n`` seeded mutations of the library's scenario files (bytes flipped, lines dropped,
    repeated or swapped, characters inserted)."""
    from livermodel.scenario.reader import library_path

    rng = random.Random(1919)
    sources = sorted(library_path().glob("*.yaml"))
    out = []
    for i in range(n):
        src = rng.choice(sources)
        lines = src.read_bytes().splitlines(keepends=True)
        for _ in range(rng.randint(1, 4)):
            op = rng.choice(["flip", "drop", "repeat", "swap", "insert"])
            k = rng.randrange(len(lines))
            if op == "flip" and lines[k]:
                b = bytearray(lines[k])
                b[rng.randrange(len(b))] = rng.randrange(256)
                lines[k] = bytes(b)
            elif op == "drop" and len(lines) > 1:
                del lines[k]
            elif op == "repeat":
                lines.insert(k, lines[k])
            elif op == "swap":
                j = rng.randrange(len(lines))
                lines[k], lines[j] = lines[j], lines[k]
            else:
                lines[k] = rng.choice([b"[", b"{", b"&x ", b"*x ", b": ", b"- ", b"\t", b"'"]) + lines[k]
        path = folder / f"mutant-{i:03d}-{src.name}"
        path.write_bytes(b"".join(lines))
        out.append(path)
    return out


def cases(folder: Path) -> list[list[str]]:
    """Every command line of the corpus."""
    made = files(folder)
    out = [["validate", str(p)] for name, p in made.items() if not name.startswith("notes")]
    out += [["validate", str(p)] for p in mutants(folder)]
    out += [["validate", "/dev/zero"], ["validate", str(folder)], ["validate", "no-such-file.yaml"]]
    hostile_sets = [
        "insults.0=&a [*a]",
        "description=" + "[" * 3000,
        'description="\\udfff"',
        "insults.0.fraction=" + "9" * 400,
        "insults.99=1",
        "a..b=1",
        "=1",
        "extends=x",
        "interventions.0=" + "{a: " * 200 + "1" + "}" * 200,
        "duration=1e400 h",
        "output_step=1e-12 h",
        "parameters.death_sensitivity=nan",
    ]
    out += [["validate", "rat-phx-70", "--set", s] for s in hostile_sets]
    sweep = ["sweep", "rat-phx-70", "--dry-run", "--format", "none", "--out", str(folder / "sw")]
    out += [
        [
            *sweep,
            "--vary",
            "insults.0.fraction=0.5:0.9:100000",
            "--vary",
            "parameters.death_sensitivity=1:2:100000",
        ],
        [*sweep, "--vary", "insults.0.fraction=0:1:" + "9" * 400],
        [
            *sweep,
            "--vary",
            "parameters.death_sensitivity=1:2",
            "--design",
            "lhs",
            "--samples",
            "1000000000000",
        ],
        [
            *sweep,
            "--vary",
            "parameters.death_sensitivity=1:2",
            "--design",
            "sobol",
            "--samples",
            "10",
            "--seed",
            "-1",
        ],
        [*sweep, "--vary", "insults.0.fraction=0.5:0.9:3", "--chunk-size", "9" * 50],
        [*sweep, "--vary", "insults.0.fraction=0.5:0.9:3", "--jobs", "0"],
        [*sweep, "--vary", "insults.0.fraction=0.5:0.9:3", "--jobs", "999"],
        [*sweep, "--vary", "nope.key=1:2:3"],
        [*sweep, "--vary", "insults.0.fraction=::"],
        ["run", "rat-phx-70", "--out", "", "--format", "none"],
        ["run", "rat-phx-70", "--out", str(folder / "x\n"), "--format", "none"],
        ["run", "rat-phx-70", "--out", str(made["notes.txt"]), "--format", "none"],
        ["run", "rat-phx-70", "--format", "gif", "--out", str(folder / "r")],
        ["report", "rat-phx-70", "-o", "/dev/null"],
        ["export", "rat-phx-70", "-o", "/dev/null"],
        ["report", "rat-phx-70", "-o", str(folder / "fifo.yaml")],
        ["run", str(made["pulses.yaml"])],
        ["run", str(made["count-1e9.yaml"])],
        ["plot", str(folder)],
        ["params", "no_such_parameter"],
        ["sweep", "--resume", str(folder)],
    ]
    return out


class _Timeout(Exception):
    pass


def main(folder: str, limit_s: float) -> None:
    from typer.testing import CliRunner

    from livermodel.cli.app import app

    folder = Path(folder)
    runner = CliRunner()

    def alarm(*_):
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    for args in cases(folder):
        signal.setitimer(signal.ITIMER_REAL, limit_s)
        try:
            result = runner.invoke(app, args)
            code = result.exit_code
            trace = result.exception is not None and not isinstance(result.exception, SystemExit)
            text = result.output
            if trace:
                text += f"\n{type(result.exception).__name__}: {result.exception}"
        except _Timeout:
            code, trace, text = "timeout", False, ""
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        # long arguments keep their head and their tail (a file name stays readable however deep
        # the temporary folder is, e.g. under pytest-xdist)
        shown = [a if len(a) < 80 else f"{a[:30]}...({len(a)} chars)...{a[-30:]}" for a in args]
        print(
            json.dumps(
                {
                    "args": shown,
                    "code": code,
                    "traceback": trace or "Traceback" in text,
                    "secret": "AKIA-CORPUS-SECRET" in text,
                    "output": text[-400:],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
