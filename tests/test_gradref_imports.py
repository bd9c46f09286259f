"""gradref is a NumPy-only reference: importing it must not import torch."""

from __future__ import annotations

import subprocess
import sys


def test_import_gradref_does_not_import_torch():
    code = "import gradref, sys; assert 'torch' not in sys.modules, 'gradref imported torch'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
