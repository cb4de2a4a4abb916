import numpy as np
import pytest

from cutout.graphs import heap, serialise


@pytest.mark.parametrize("floats", [1, 1000, 25_000_000])
def test_writes_the_asked_length_of_zeros(run_graph, floats):
    largest = run_graph("heap.onnx", floats=np.array([floats], dtype=np.int64))
    np.testing.assert_array_equal(largest, heap.reference(floats))


def test_the_buffer_is_made_at_run_time_not_stored_in_the_file(graphs):
    assert len(serialise(graphs["heap.onnx"])) < 1024
