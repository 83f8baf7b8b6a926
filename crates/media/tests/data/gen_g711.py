#!/usr/bin/env python3.11
"""Generates the G.711 reference data that crates/media/tests/it/g711_reference.rs compares against.

The reference is CPython's `audioop` module (width 2 = 16-bit samples), which was removed in
Python 3.13, so run this with Python 3.11 or 3.12:

    python3.11 crates/media/tests/data/gen_g711.py

It writes, next to itself:
- ulaw_encode.bin, alaw_encode.bin: 65,536 bytes each; byte i is the code for the sample
  i - 32768 (so the file runs from -32768 up to 32767).
- ulaw_decode.bin, alaw_decode.bin: 256 little-endian i16 each; entry c is the sample that
  code c decodes to.
"""

import hashlib
import pathlib
import struct
import warnings

# audioop is deprecated in 3.11 and removed in 3.13; it is the reference on purpose.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

HERE = pathlib.Path(__file__).resolve().parent
WIDTH = 2


def main() -> None:
    samples = struct.pack("<65536h", *range(-32768, 32768))
    codes = bytes(range(256))
    files = {
        "ulaw_encode.bin": audioop.lin2ulaw(samples, WIDTH),
        "alaw_encode.bin": audioop.lin2alaw(samples, WIDTH),
        "ulaw_decode.bin": audioop.ulaw2lin(codes, WIDTH),
        "alaw_decode.bin": audioop.alaw2lin(codes, WIDTH),
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
