"""Size policy: what resolution each stage works at.

The network always sees its own square input. Pre-processing of a huge photo starts from a
copy whose long side is at most PRE_MAX_SIDE, which bounds the pre-graph's memory without
losing anything the network could see. The mask is always applied to the full-resolution
original.
"""

from dataclasses import dataclass

from .models import Model

PRE_MAX_SIDE = 4096


@dataclass(frozen=True)
class Plan:
    width: int          # full resolution: the output's size
    height: int
    pre_width: int      # what the pre-processing graph receives
    pre_height: int
    model_side: int     # the network's square input side

    @property
    def needs_pre_downscale(self) -> bool:
        return (self.pre_width, self.pre_height) != (self.width, self.height)


def plan(width: int, height: int, model: Model) -> Plan:
    long_side = max(width, height)
    if long_side <= PRE_MAX_SIDE:
        pre_width, pre_height = width, height
    else:
        scale = PRE_MAX_SIDE / long_side
        pre_width = max(1, round(width * scale))
        pre_height = max(1, round(height * scale))
    return Plan(width, height, pre_width, pre_height, model.input_size)
