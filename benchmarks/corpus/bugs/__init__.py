"""Plain-torch scripts (no gradspec) showing bugs the corpus found in public packages: each
checks the behaviour torch's docs (or the package's own docs) ask for and exits 1 where the
installed package does otherwise, 0 where it is fixed."""
