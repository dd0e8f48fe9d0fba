"""The output plugins decoded side by side, each with the options a user of it would run."""
from dataclasses import dataclass

PUBLICATION = "bench_pub"


@dataclass(frozen=True)
class Peer:
    name: str        # how the results name it; walcast* are ours
    plugin: str      # output plugin of its slot
    options: tuple   # (name, value) pairs passed to the peek function
    binary: bool = False  # pgoutput writes bytes: drained with the binary peek

    @property
    def slot(self) -> str:
        return "s_" + "".join(c if c.isalnum() else "_" for c in self.name).strip("_").lower()


PEERS = [
    Peer("walcast", "walcast", ()),
    Peer("walcast (gateway opts)", "walcast", (("publication", PUBLICATION), ("include-transaction", "true"))),
    Peer("pgoutput", "pgoutput", (("proto_version", "1"), ("publication_names", PUBLICATION)), binary=True),
    Peer("wal2json v2", "wal2json", (("format-version", "2"),)),
    Peer("test_decoding", "test_decoding", ()),
]
