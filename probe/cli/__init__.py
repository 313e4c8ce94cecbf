"""The ``probe`` command line: run, demo, replay, merge, diff, verify, redact, browser, workspace.

``main`` is the command group (the ``probe`` console script); each command lives in its own private
module, and what they share (options, run folders, the closing report lines, the exit codes) in others.
Nothing here imports a browser or the proxy: each command imports those when it runs.
"""

from probe.cli._browser import browser
from probe.cli._diff import diff_command
from probe.cli._group import main
from probe.cli._merge import merge
from probe.cli._redact import redact
from probe.cli._replay import replay
from probe.cli._run import DEMO_SUITE, demo, run
from probe.cli._verify import verify
from probe.cli._workspace import workspace

for _command in (run, demo, browser, replay, merge, diff_command, verify, redact, workspace):
    main.add_command(_command)

__all__ = ["DEMO_SUITE", "main"]
