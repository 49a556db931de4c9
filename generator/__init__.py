"""Pasture (客户牧场): client operations for insurance agents.

Read agent books, validate them, grade every client, plan service and write
workbooks — from Python as from the `pasture` command line::

    from generator import build
    result = build("sample_data", "out")
"""

from __future__ import annotations

from typing import Any

__all__ = ["AgentResult", "build", "BuildSettings", "load_rules", "process_source", "report_dict", "Rules", "RulesError",
           "SETTINGS", "validate"]
__version__ = "0.1.0"

_LAZY = {
    "build": "pipeline", "validate": "pipeline", "process_source": "pipeline", "report_dict": "pipeline",
    "load_rules": "rules", "Rules": "rules", "RulesError": "rules", "AgentResult": "models",
    "BuildSettings": "settings", "SETTINGS": "settings",
}


def __getattr__(name: str) -> Any:
    # Imported lazily so `import generator.schema` stays cheap and a CLI start-up
    # only pays for the modules its command uses.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
