"""Keeping Python's cyclic garbage collector out of bulk loading and costing.

Reading a model allocates many small objects (records, dicts, graph
adjacency) and keeps them; every generation-2 collection then walks all
models read so far again. On 1,000 models of 50 activities that was about a
quarter of the load time. These objects form no reference cycles worth
collecting early and reference counting frees the rest, so the collector is
paused for the duration of the work and runs normally afterwards.

Examples
--------
>>> import gc
>>> with cyclic_gc_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
>>> with cyclic_gc_paused():
...     kept = [0]
>>> any(o is kept for o in gc.get_objects(generation=2))  # already in the oldest generation
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cyclic_gc_paused", "one_thread_in_loaded_openblas"]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after.

    Nested uses are safe: only the outermost one turns the collector back on,
    after moving every tracked object to the oldest generation (see the module
    docstring). A program that froze objects itself (``gc.freeze()``, before a
    fork) keeps them frozen: then nothing is moved.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _to_oldest_generation()
            gc.enable()


def _to_oldest_generation() -> None:
    """Move every tracked object to the oldest generation, without walking them.

    ``gc.unfreeze`` puts the frozen objects in the oldest generation: a freeze
    then an unfreeze is that move, in constant time.
    """
    if gc.get_freeze_count() == 0:  # else unfreezing would thaw someone else's objects
        gc.freeze()
        gc.unfreeze()


#: OpenBLAS's thread setter as NumPy's and SciPy's wheels name it (scipy-openblas
#: prefixes and suffixes its symbols), and as a system OpenBLAS does.
_OPENBLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads")


def one_thread_in_loaded_openblas() -> int:
    """Tell every OpenBLAS already loaded in this process to use one thread; return how
    many were told.

    Spinning OpenBLAS threads cost far more CPU than they save on the small matrices
    of a costing (see ``abc_costing/__init__.py``); ``OPENBLAS_NUM_THREADS`` is read
    only when OpenBLAS loads, so a process that loaded NumPy before this package is
    told here. The loaded libraries are found in ``/proc/self/maps`` (Linux); where
    there is none, nothing is changed.
    """
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {fields[5] for line in maps if "openblas" in line
                     for fields in [line.split(maxsplit=5)] if len(fields) == 6}
    except OSError:
        return 0
    told = 0
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path.strip())
        except OSError:
            continue
        setter = next((getattr(library, name) for name in _OPENBLAS_SETTERS
                       if hasattr(library, name)), None)
        if setter is not None:
            setter(1)
            told += 1
    return told
