"""A module that is imported on first use (the standard library's ``LazyLoader`` recipe).

The API's annotations name ``folium.Map``; binding ``folium`` lazily lets
``typing.get_type_hints`` resolve them while commands that never build a page (``status``,
``stats``, ``validate``) do not pay for importing folium, branca and jinja2."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name``, loaded only when one of its attributes is first read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
