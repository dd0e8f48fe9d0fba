"""A reader for pgoutput's logical replication protocol, version 1, for tests that hold walcast's output against
PostgreSQL's own plugin on the same WAL.

Only what protocol version 1 can carry is read: Begin 'B', Commit 'C', Origin 'O', Relation 'R', Type 'Y',
Insert 'I', Update 'U', Delete 'D', Truncate 'T' and Message 'M'. Column values are kept as the text pgoutput
sent ('t'), None for SQL NULL ('n') and the UNCHANGED_TOAST marker for an unchanged TOASTed value ('u').
"""
import struct
from dataclasses import dataclass, field

UNCHANGED_TOAST = object()


@dataclass
class Relation:
    relid: int
    schema: str
    table: str
    replica_identity: str
    columns: list  # column names in the order the tuples carry them
    key_columns: list  # the columns pgoutput flags as replica identity (all of them for FULL)


@dataclass
class Change:
    action: str  # INSERT, UPDATE, DELETE or TRUNCATE
    schema: str
    table: str
    new: dict = None  # column name -> text, None or UNCHANGED_TOAST
    old: dict = None
    old_kind: str = None  # 'K' (replica identity key) or 'O' (whole old row), as sent
    new_columns: list = field(default_factory=list)
    old_columns: list = field(default_factory=list)
    key_columns: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # the relation's published columns, from its Relation message


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f"pgoutput message truncated at byte {self.pos} (wanted {n})")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self):
        return chr(self.take(1)[0])

    def int8(self):
        return struct.unpack("!b", self.take(1))[0]

    def int16(self):
        return struct.unpack("!h", self.take(2))[0]

    def int32(self):
        return struct.unpack("!i", self.take(4))[0]

    def uint32(self):
        return struct.unpack("!I", self.take(4))[0]

    def int64(self):
        return struct.unpack("!q", self.take(8))[0]

    def string(self):
        end = self.data.index(b"\0", self.pos)
        text = self.data[self.pos:end].decode()
        self.pos = end + 1
        return text

    def tuple(self, names):
        natts = self.int16()
        if natts != len(names):
            raise ValueError(f"tuple has {natts} columns, its relation {len(names)}")
        values = {}
        for name in names:
            kind = self.byte()
            if kind == "n":
                values[name] = None
            elif kind == "u":
                values[name] = UNCHANGED_TOAST
            elif kind in ("t", "b"):
                values[name] = self.take(self.int32()).decode()
            else:
                raise ValueError(f"unknown tuple column kind {kind!r}")
        return values

    def done(self):
        return self.pos == len(self.data)


class Decoder:
    """Turns the binary messages of one pgoutput stream, in order, into Change objects. Relation messages are
    remembered, as a subscriber does, so later changes can be named."""

    def __init__(self):
        self.relations = {}

    def feed(self, data: bytes):
        """The Change for one message, or None for a message that carries no row change."""
        r = _Reader(bytes(data))
        kind = r.byte()
        change = None
        if kind == "B":
            r.int64(), r.int64(), r.uint32()
        elif kind == "C":
            r.int8(), r.int64(), r.int64(), r.int64()
        elif kind == "O":
            r.int64(), r.string()
        elif kind == "Y":
            r.uint32(), r.string(), r.string()
        elif kind == "M":
            r.int8(), r.int64(), r.string()
            r.take(r.int32())
        elif kind == "R":
            relid = r.uint32()
            schema = r.string() or "pg_catalog"
            table = r.string()
            ident = r.byte()
            names, keys = [], []
            for _ in range(r.int16()):
                flags = r.int8()
                names.append(r.string())
                if flags & 1:
                    keys.append(names[-1])
                r.uint32(), r.int32()
            self.relations[relid] = Relation(relid, schema, table, ident, names, keys)
        elif kind == "I":
            rel = self._relation(r.uint32())
            if r.byte() != "N":
                raise ValueError("INSERT without a new tuple")
            change = self._change("INSERT", rel, new=r.tuple(rel.columns))
        elif kind == "U":
            rel = self._relation(r.uint32())
            marker = r.byte()
            old = old_kind = None
            if marker in ("K", "O"):
                old_kind = marker
                old = r.tuple(rel.columns)
                marker = r.byte()
            if marker != "N":
                raise ValueError(f"UPDATE without a new tuple (found {marker!r})")
            change = self._change("UPDATE", rel, new=r.tuple(rel.columns), old=old, old_kind=old_kind)
        elif kind == "D":
            rel = self._relation(r.uint32())
            old_kind = r.byte()
            if old_kind not in ("K", "O"):
                raise ValueError(f"DELETE without an old tuple (found {old_kind!r})")
            change = self._change("DELETE", rel, old=r.tuple(rel.columns), old_kind=old_kind)
        elif kind == "T":
            nrels = r.uint32()
            r.int8()
            rels = [self._relation(r.uint32()) for _ in range(nrels)]
            change = [self._change("TRUNCATE", rel) for rel in rels]
        else:
            raise ValueError(f"unknown pgoutput message {kind!r}")
        if not r.done():
            raise ValueError(f"{len(r.data) - r.pos} unread bytes after a {kind!r} message")
        return change

    def _relation(self, relid):
        if relid not in self.relations:
            raise ValueError(f"change for relation {relid} before its Relation message")
        return self.relations[relid]

    @staticmethod
    def _change(action, rel, new=None, old=None, old_kind=None):
        return Change(action, rel.schema, rel.table, new=new, old=old, old_kind=old_kind,
                      new_columns=list(new) if new is not None else [],
                      old_columns=list(old) if old is not None else [], key_columns=list(rel.key_columns),
                      columns=list(rel.columns))


def decode(messages):
    """All row changes of a sequence of pgoutput messages (bytes), in order; a Truncate message becomes one
    change per relation it names."""
    decoder = Decoder()
    changes = []
    for data in messages:
        got = decoder.feed(data)
        if isinstance(got, list):
            changes.extend(got)
        elif got is not None:
            changes.append(got)
    return changes


def peek(conn, slot, publications, proto_version=1):
    """The row changes waiting in a pgoutput slot, without consuming them."""
    rows = conn.execute(
        "SELECT data FROM pg_logical_slot_peek_binary_changes(%s, NULL, NULL, 'proto_version', %s, "
        "'publication_names', %s)", (slot, str(proto_version), publications)).fetchall()
    return decode(r[0] for r in rows)
