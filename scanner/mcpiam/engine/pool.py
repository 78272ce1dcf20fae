"""The per-file stage spread over worker processes, for scans with many candidates.

mcpiam promises to start no other program. Workers are therefore *forked* (``multiprocessing``'s
``fork`` context: ``os.fork`` copies this process, nothing is executed), never started with
``spawn`` or ``forkserver`` (both run a new Python interpreter). Where fork does not exist
(Windows) or cannot be used (a sandbox refusing it, no semaphores), the scan runs serially; so does
any scan with few candidates, so that a pre-commit run never pays for starting a pool and never
imports ``multiprocessing``: this module is imported only when a pool is wanted.

Workers receive candidate indices only; the candidates and the scan's ``FileWork`` reach them
through the fork itself (copied memory, nothing pickled). Each sends back one file's
``FileOutcome`` pickled, with every token family named by its index rather than copied, and the
outcomes come back in candidate order, so a pooled scan hands the parent exactly what a serial one
would (``tests/test_pool.py`` compares the JSON reports byte for byte).
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable, Iterator, Sequence

from mcpiam.discover.walk import Candidate
from mcpiam.engine.per_file import FileOutcome, FileWork

Reader = Callable[[Candidate, FileWork], FileOutcome]

# What a worker process was forked with: (reader, candidates, work). Set once in each worker by
# the pool's initializer, before any task, and never in the parent; a module attribute because a
# pool's task function must be a module-level function to be sent to workers.
_forked_with: list[tuple[Reader, Sequence[Candidate], FileWork]] = []


class _Outbound(pickle.Pickler):
    """Pickles an outcome with the scan's token families as indices: the parent has the very same
    objects (a forked worker's copies), so they are neither copied nor recompiled."""

    def __init__(self, file: io.BytesIO, shared: dict[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: object) -> int | None:
        return self._shared.get(id(obj))


class _Inbound(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: Sequence[object]) -> None:
        super().__init__(file)
        self._shared = shared

    def persistent_load(self, pid: int) -> object:
        return self._shared[pid]


def _install(reader: Reader, candidates: Sequence[Candidate], work: FileWork) -> None:
    _forked_with.append((reader, candidates, work))


def _read_in_worker(index: int) -> bytes:
    reader, candidates, work = _forked_with[-1]
    buffer = io.BytesIO()
    _Outbound(buffer, {id(family): position for position, family in enumerate(work.families)}).dump(
        reader(candidates[index], work))
    return buffer.getvalue()


def forkable() -> bool:
    """Whether worker processes can be made without executing a program."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def pooled_outcomes(candidates: Sequence[Candidate], work: FileWork, jobs: int,
                    reader: Reader) -> Iterator[FileOutcome] | None:
    """Each candidate's outcome, in order, read by ``jobs`` forked workers; None when no pool can
    be made here (the caller then reads serially)."""
    try:
        import multiprocessing

        if not forkable():
            return None
        context = multiprocessing.get_context("fork")
        pool = context.Pool(jobs, initializer=_install, initargs=(reader, candidates, work))
    except (ImportError, OSError, ValueError):
        return None  # no fork, no semaphores, or a process limit: the serial path does the same work
    return _collect(pool, candidates, work, jobs)


def _collect(pool, candidates: Sequence[Candidate], work: FileWork, jobs: int) -> Iterator[FileOutcome]:
    # Small chunks keep the workers even (a few large configs in a tree of small ones); large
    # enough that a task's round trip is not paid per file.
    chunk = max(1, min(64, len(candidates) // (jobs * 16)))
    with pool:  # terminates the workers on the way out, also on an error or an interrupt
        for data in pool.imap(_read_in_worker, range(len(candidates)), chunksize=chunk):
            yield _Inbound(io.BytesIO(data), work.families).load()
        pool.close()
        pool.join()


# What a worker forked to judge a walk's files was forked with (set by the initializer, as above).
_forked_judge: list[Callable[[int, int], list]] = []


def _install_judge(judge: Callable[[int, int], list]) -> None:
    _forked_judge.append(judge)


def _judge_in_worker(bounds: tuple[int, int]) -> list:
    return _forked_judge[-1](*bounds)


# Files per task when a walk's files are judged in workers: most take microseconds (a name
# matched), so a task is a few thousand of them; small enough that the workers finish together.
JUDGE_CHUNK = 4096


def spread_over(jobs: int) -> Callable[[Callable[[int, int], list], int], Iterator[list]]:
    """A ``discover.walk.Spread`` that judges a walk's files in ``jobs`` forked workers, a range
    of files per task, and hands the verdicts back in file order; in this process when no pool
    can be made here."""

    def spread(judge: Callable[[int, int], list], count: int) -> Iterator[list]:
        try:
            import multiprocessing

            if not forkable():
                raise ValueError("no fork")
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_install_judge, initargs=(judge,))
        except (ImportError, OSError, ValueError):
            yield judge(0, count)  # no fork, no semaphores, or a process limit: the same work here
            return
        bounds = [(start, min(start + JUDGE_CHUNK, count)) for start in range(0, count, JUDGE_CHUNK)]
        with pool:  # terminates the workers on the way out, also on an error or an interrupt
            yield from pool.imap(_judge_in_worker, bounds)
            pool.close()
            pool.join()

    return spread


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
