"""Regenerate the library section of docs/scenarios.md from the scenario files and the current
model (descriptions, outcomes and expect: blocks):

    python docs/make_library_docs.py
"""

from __future__ import annotations

from pathlib import Path

from livermodel.scenario import list_library, load_scenario

DOC = Path(__file__).resolve().parent / "scenarios.md"
HEAD = "### `"


def _days(h: float) -> str:
    return f"{h:.0f} h" if h < 48 else f"{h / 24:.1f} d"


def entry(path: Path) -> str:
    sc = load_scenario(path)
    m = sc.run().metrics()
    parent = ""
    text = path.read_text()
    for line in text.splitlines():
        if line.startswith("extends:"):
            parent = f" Extends `{line.split(':', 1)[1].strip()}`."
    out = [f"### `{sc.name}` ({sc.species})", "", sc.description.strip() + parent, ""]
    bits = [
        f"mode **{m['mode']}**",
        f"final liver function {m['final_mass']:.2f}",
        f"final volume {m['final_volume']:.2f}",
        f"nadir {m['nadir_mass']:.2f}",
        f"survival probability {m['survival_probability']:.2f}",
    ]
    if m["failure_time_h"] is not None:
        bits.append(f"fails at {_days(m['failure_time_h'])}")
    elif m["recovery_time_h"] is not None:
        bits.append(f"back to 90 % at {_days(m['recovery_time_h'])}")
    out.append("*Outcome with the current model:* " + ", ".join(bits) + ".  ")
    if sc.expect:
        shown = ", ".join(f"`{k}: {v}`" for k, v in sc.expect.items())
        out.append(f"*Checked (`expect:`):* {shown}")
    return "\n".join(out) + "\n"


def main() -> None:
    text = DOC.read_text()
    start = text.index(HEAD, text.index("## The library"))
    rest = text.find("\n## ", start)
    rest = len(text) if rest < 0 else rest
    body = "\n".join(entry(e.path) for e in list_library())
    DOC.write_text(text[:start] + body.rstrip("\n") + "\n" + text[rest:])
    print(f"updated {DOC}")


if __name__ == "__main__":
    main()
