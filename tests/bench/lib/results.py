"""Recorded figures and the arithmetic on them: medians, ranges and walcast's ratio against each peer.

A figure is one measure of one system ("peer") in one scenario of one benchmark, with one value per repetition.
Peers whose name starts with "walcast" are ours; every other peer is a system a user could pick instead.
"""
import statistics
from dataclasses import dataclass, field


def is_ours(peer: str) -> bool:
    return peer.startswith("walcast")


@dataclass
class Figure:
    bench: str
    scenario: str
    measure: str
    peer: str
    values: list
    unit: str
    lower_is_better: bool

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def key(self):
        return (self.bench, self.scenario, self.measure)

    def to_json(self) -> dict:
        return {"bench": self.bench, "scenario": self.scenario, "measure": self.measure, "peer": self.peer,
                "values": self.values, "unit": self.unit, "lower_is_better": self.lower_is_better,
                "median": self.median, "min": self.low, "max": self.high}


def advantage(ours: Figure, peer: Figure):
    """How many times better `ours` is than `peer` on this measure: >1 means walcast is better, <1 worse.

    For higher-is-better measures that is ours/peer, for lower-is-better ones peer/ours. None when a median is
    zero (a ratio against nothing says nothing).
    """
    if ours.median == 0 or peer.median == 0:
        return None
    return peer.median / ours.median if ours.lower_is_better else ours.median / peer.median


@dataclass
class Results:
    figures: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)      # bench -> [markdown lines]
    errors: dict = field(default_factory=dict)     # bench -> error text
    missing: list = field(default_factory=list)    # registered benchmarks whose module is absent
    durations: dict = field(default_factory=dict)  # bench -> seconds

    def add(self, figure: Figure):
        if not figure.values:
            raise ValueError(f"{figure.bench}/{figure.scenario}/{figure.measure}/{figure.peer}: no values")
        for other in self.figures:
            if other.key() == figure.key() and other.peer == figure.peer:
                raise ValueError(f"recorded twice: {figure.key()} {figure.peer}")
        self.figures.append(figure)

    def for_bench(self, bench: str) -> list:
        return [f for f in self.figures if f.bench == bench]

    def peers_of(self, figure: Figure) -> list:
        """The other systems measured on the same bench/scenario/measure, in recording order."""
        return [f for f in self.figures if f.key() == figure.key() and f is not figure and not is_ours(f.peer)]

    def to_json(self) -> dict:
        return {"figures": [f.to_json() for f in self.figures], "notes": self.notes, "errors": self.errors,
                "missing": self.missing, "durations": self.durations}
