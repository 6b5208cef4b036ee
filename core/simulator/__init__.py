"""A faithful NemoVideo backend simulator: a real HTTP server with real ffmpeg renders.

See docs/simulator.md. `run(host, port, config)` serves it in the foreground;
`Simulator` is the embeddable form used by tests, the offline demo and benchmarks.
"""

from core.simulator.config import ConfigError, SimConfig
from core.simulator.faults import FAULT_NAMES, Fault
from core.simulator.server import Simulator, run, serve

__all__ = ["FAULT_NAMES", "ConfigError", "Fault", "SimConfig", "Simulator", "run", "serve"]
