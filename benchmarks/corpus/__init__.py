"""The real-world corpus: the custom autograd Functions and Modules of packages installed from
PyPI (``pip install -e '.[corpus]'``), each checked with ``gradspec`` the way the README tells a
user to, next to ``gradcheck``. ``python -m benchmarks.corpus`` runs it (see ``__main__``).

One module per package; each defines ``PACKAGE`` (its PyPI name) and ``entries()``.
"""

#: the corpus modules, in the order the table lists them
MODULES = (
    "timm_",
    "entmax_",
    "sparsemax_",
    "snntorch_",
    "norse_",
    "spikingjelly_",
    "brevitas_",
    "megatron_",
    "pyro_",
    "e3nn_",
    "gpytorch_",
    "linear_operator_",
    "mea_",
    "pyg_",
    "wavelets_",
    "fairscale_",
    "torchdiffeq_",
    "kornia_",
    "deepspeed_",
    "xtransformers_",
)
