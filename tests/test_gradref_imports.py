"""gradref is a NumPy-only reference: importing it must not import torch."""

from __future__ import annotations

import subprocess
import sys


def test_import_gradref_does_not_import_torch():
    code = "import gradref, sys; assert 'torch' not in sys.modules, 'gradref imported torch'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_ml_dtypes_is_imported_when_bfloat16_is_first_used():
    """ml_dtypes takes most of a second to import: gradref imports it on bfloat16's first use."""
    code = """
import sys
import gradref
assert 'ml_dtypes' not in sys.modules, 'importing gradref imported ml_dtypes'
x = gradref.ones(2, dtype=gradref.bfloat16)
assert 'ml_dtypes' in sys.modules
assert x.dtype is gradref.bfloat16 and x.float().tolist() == [1.0, 1.0]
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_bfloat16_array_made_before_gradrefs_first_use_converts():
    code = """
import ml_dtypes, numpy as np
import gradref
a = np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)
assert gradref.from_numpy(a).dtype is gradref.bfloat16
assert gradref.tensor(a).dtype is gradref.bfloat16
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
