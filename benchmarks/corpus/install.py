"""Install the ``corpus`` extra of pyproject.toml without dependencies, next to the torch that is
already installed (``tox -e corpus`` runs this). Some corpus packages declare dependencies that
pin another torch (spikingjelly needs torchaudio, which pins its own torch), so resolving them
would replace the torch under test; the extra lists every package the corpus imports instead.

    python -m benchmarks.corpus.install           # pip install --no-deps <the corpus extra>
    python -m benchmarks.corpus.install --print   # only print the list
"""

from __future__ import annotations

import pathlib
import subprocess
import sys


def corpus_requirements() -> list[str]:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib

    root = pathlib.Path(__file__).resolve().parents[2]
    with open(root / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["optional-dependencies"]["corpus"])


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    reqs = corpus_requirements()
    if "--print" in argv:
        print("\n".join(reqs))
        return 0
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", *reqs]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
