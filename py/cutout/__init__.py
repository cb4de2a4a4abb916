"""Cutout: private background removal.

The package is the whole pipeline, one module per stage:
sniff -> limits -> decode -> sizing -> graphs (pre) -> models -> graphs (post) -> encode -> batch.
The core is pure standard library so that it runs unchanged in Pyodide; native-only
modules (decode, native runtime, graph builders) import their third-party libraries lazily.
"""

__version__ = "0.1.0"
