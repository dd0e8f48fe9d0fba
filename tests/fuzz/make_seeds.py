#!/usr/bin/env python3
"""Writes the committed seed corpora (tests/fuzz/corpus/<target>/) from the unit tests' inputs.

Run it again only to change the seeds; the fuzz runner never writes into these directories."""
import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

BEGIN = b'{"type":"BEGIN","xid":700,"commit_lsn":"0/1A0","commit_timestamp":"2024-01-01 00:00:00+00"}'
COMMIT = b'{"type":"COMMIT","xid":700,"commit_lsn":"0/1A0","commit_timestamp":"2024-01-01 00:00:00+00"}'
INSERT = (b'{"schema":"public","table":"t","type":"INSERT","commit_timestamp":"x","columns":[],'
          b'"record":{"id":1},"old_record":{},"errors":null}')
MESSAGE = b'{"type":"MESSAGE","prefix":"walcast","transactional":true,"content":"hi"}'
SHALLOW = (b' { "a" : "x\\"}" , "b":[1,{"c":"]"}], "d": true,"e\\u0041":-1.5e3 ,"deep":[[[[[]]]]]} ')


def be64(v):
    return struct.pack(">Q", v)


def binary_broadcast(lens, strings):
    return bytes([3, *lens]) + strings


SEEDS = {
    # byte 0: low 6 bits max_depth, bit 6 allow_non_ascii_escapes
    "plugin_json_check": [
        b"\x5f" + b'{"a":{"b":[true,null]}}',
        b"\x5f" + b' \t\r\n{ "a" : [ ] }\n ',
        b"\x5f" + b'"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u20AC"',
        b"\x5f" + b'"\\ud83d\\ude00"',
        b"\x1f" + b'["\\u00e9"]',
        b"\x5f" + b"[-1.5e-3,1E+2,0.25,-0,42]",
        b"\x45" + b"[[[[[1]]]]]",
        b"\x5f" + b'"caf\xc3\xa9"',
        b"\x5f" + b'{"a":1}}',
        b"\x5f" + b"1e999",
    ],
    "plugin_json_escape_size": [
        b"",
        b"plain text",
        b'a"b\\c\n\x01\x1f\x7f',
        b"caf\xc3\xa9 \xff",
        b"\b\f\n\r\t",
        bytes(range(256)),
    ],
    # name, NUL, value
    "plugin_options": [
        b"include-lsn",
        b"include-xid\x00maybe",
        b"include-transaction\x00ON",
        b"publication\x00 a , b,c ",
        b'publication\x00"My Pub", "a,b"',
        b'publication\x00"say ""hi"""',
        b"publication\x00a,,b",
        b"max-change-bytes\x001024",
        b"max-message-depth\x00512",
        b"Include-LSN\x001",
    ],
    # byte 0 mod 3: 0 vsn-1 text, 1 vsn-2 text, 2 binary
    "phoenix_codec": [
        b"\x01" + b'["6","7","realtime:room1","phx_join",{"config":{}}]',
        b"\x01" + b'[null,"3","phoenix","heartbeat",{},"extra"]',
        b"\x00" + b'{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"1"}',
        b"\x00" + b'{"topic":"realtime:a","event":"broadcast","payload":{"type":"broadcast","event":"e",'
                  b'"payload":{"x":1.5}},"ref":"2","join_ref":"1"}',
        b"\x01" + b'["1","2","realtime:a","presence",{"type":"presence","event":"track","payload":{"n":1.5e300}}]',
        b"\x02" + binary_broadcast([1, 1, 14, 6, 0, 1], b'67realtime:room1cursor{"x":1,"y":2}'),
        b"\x02" + binary_broadcast([0, 0, 1, 1, 0, 0], b"te\x00\xff"),
        b"\x02" + binary_broadcast([0, 0, 1, 1, 0, 1], b"te{oops"),
    ],
    # one CopyData message; NUL-separated payloads for the classifier
    "replication_wire": [
        b"w" + be64(0x16B3740) + be64(0x16B3800) + be64(123456789) + b'{"type":"INSERT"}',
        b"k" + be64(0x16B3800) + be64(123456789) + b"\x01",
        b"r" + be64(1) + be64(2) + be64(3) + be64(4) + b"\x00",
        BEGIN + b"\x00" + INSERT + b"\x00" + MESSAGE + b"\x00" + COMMIT,
        b'{"type":"COMMIT","xid":700}',
        b'{"type":"INSERT","table":"t"}\x00{"type":5}\x00{"type":"BEGIN","xid":1,"commit_lsn":"zz"}',
        b'{"schema":"s","table":"t","type":"INSERT","record":{"j":' + b"[" * 40 + b"]" * 40 + b"}}",
    ],
    # byte 0: max_depth - 2 (mod 64)
    "shallow_object": [
        b"\x03" + SHALLOW,
        b"\x3f" + INSERT,
        b"\x01" + b'{"a":[[1]],"b":2}',
        b"\x00" + b"{}",
        b"\x05" + b'{"a":1} x',
        b"\x05" + b'{"a":[1}',
    ],
}


def main():
    for target, seeds in SEEDS.items():
        d = CORPUS / target
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        for i, seed in enumerate(seeds):
            (d / f"seed-{i:02d}").write_bytes(seed)


if __name__ == "__main__":
    main()
