"""One CPU thread for torch and for NumPy's BLAS while gradspec checks.

The examples gradspec draws are tiny: on a busy machine, several intra-op threads cost more in
hand-offs than they save. torch's own thread count is one call; gradref computes with NumPy,
whose BLAS (OpenBLAS in NumPy's wheels) starts its own thread pool, which ``threadpoolctl``
limits (a 128×128 float64 matmul: 34 ms with two OpenBLAS threads on a loaded 2-core machine,
0.09 ms with one).
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def one_thread():
    """torch and BLAS on one thread inside the block; both restored after it."""
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)
    try:
        with threadpool_limits(1, user_api="blas"):
            yield
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def one_thread_for_good() -> None:
    """torch and BLAS on one thread from now on (a worker process of its own)."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")
