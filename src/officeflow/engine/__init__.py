"""The durable executor: runs, steps, jobs, leases, retries, timers, signals, migration."""

from officeflow.engine.engine import DEFAULT_TENANT, Applied, DeadLetter, Engine, Positions
from officeflow.engine.operations import MigrationPlan
from officeflow.engine.worker import StepTimeout, Worker

__all__ = [
    "DEFAULT_TENANT",
    "Applied",
    "DeadLetter",
    "Engine",
    "MigrationPlan",
    "Positions",
    "StepTimeout",
    "Worker",
]
