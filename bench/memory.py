"""Peak resident memory of this process, from the kernel (Linux), for per-step reports of
benchmarks. Cheap enough to read at every step; tracemalloc would slow the job it measures
~2.5x."""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path

from registry.memory import status_mib


def reset_peak_rss() -> None:
    """Restart the kernel's peak-RSS counter (VmHWM) of this process (Linux 4.0+)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    """Peak resident memory since the last reset (or since start), in MiB."""
    return status_mib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StepPeaks:
    """An `on_step` for registry.linking.link: the peak memory of every step, in MiB (the
    counter restarted at the start and after every step)."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}
        reset_peak_rss()

    def __call__(self, step: str) -> None:
        self.peaks[step] = max(self.peaks.get(step, 0.0), peak_rss_mib())
        reset_peak_rss()
