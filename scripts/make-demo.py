#!/usr/bin/env python3
"""Write revisit's demo sessions under assets/demo/ (a home directory layout).

The sessions are invented but format-faithful: they follow what the real CLIs write (see
../shared/FORMATS.md and the generated fixtures). One module per agent in scripts/demo/, each
with a `generate(root)` that owns its agent's folders. Re-run after editing:

    python3 scripts/make-demo.py
"""
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "assets", "demo")


def main():
    sys.path.insert(0, os.path.join(HERE, "demo"))
    names = sorted(
        f[:-3] for f in os.listdir(os.path.join(HERE, "demo")) if f.endswith(".py") and f != "common.py"
    )
    for name in names:
        importlib.import_module(name).generate(ROOT)
        print(f"demo: {name}")


if __name__ == "__main__":
    main()
