"""Tests of the generated ONNX graphs against their numpy references (a package for its shared samples)."""
