"""A run that does not wind up after an interrupt is stopped at once once the grace period is over."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# a "run" that ignores the interrupt: it never reaches a checkpoint
STUCK = textwrap.dedent(
    """
    import os, signal, time
    from probe import interrupts
    interrupts.GRACE_S = 0.5
    with interrupts.watch():
        os.kill(os.getpid(), signal.SIGTERM)
        print("signalled", flush=True)
        time.sleep(60)
    print("wound up", flush=True)
    """
)


def test_a_run_stuck_after_an_interrupt_exits_2_once_the_grace_period_is_over() -> None:
    done = subprocess.run([sys.executable, "-c", STUCK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout.splitlines() == ["signalled"]
    assert done.stderr.splitlines() == [
        "probe: SIGTERM: still running 0.5 s later: stopped at once; the evidence may be incomplete"
    ]
