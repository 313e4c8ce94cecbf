"""Executing scenarios: one proxy and browser per run, a fresh context per scenario, phase marks at the
consent clicks, waiting for the site (not for a fixed window), per-phase snapshots, evidence always."""

from probe.runner.run import Runner, ScenarioRun, router_for, run_id
from probe.runner.session import ScenarioError, ScenarioSession
from probe.runner.snapshot import snapshot
from probe.runner.waiting import Delivery, Wait, Waiter

__all__ = [
    "Delivery",
    "Runner",
    "ScenarioError",
    "ScenarioRun",
    "ScenarioSession",
    "Wait",
    "Waiter",
    "router_for",
    "run_id",
    "snapshot",
]
