"""How many rows of a Parquet file can be decoded at once as plain text, shown from the file.

Reading text columns as Arrow dictionaries keeps a dictionary bomb (one long string stored once,
referenced on every row) small until its decoded size is counted; but Arrow then builds a
dictionary of every distinct text of a row group, which for ordinary unique texts is the whole
column, held until the row group ends, and slow to hash. Read plain instead, a batch can only
amplify where a value comes from a dictionary page, and then by at most that page's longest
entry: this module reads each text column's dictionary page (its Thrift header, the page
decompressed within a cap, the PLAIN byte arrays walked) to find that longest entry, so a batch
of ``budget // Σ longest`` rows cannot decode to more than ``budget`` beyond its own stored
bytes. Anything it cannot show (another encoding that can amplify, an unknown codec, a header it
does not parse, a dictionary page over the cap) answers ``None``: read as dictionaries.
"""

from __future__ import annotations

from typing import Any

__all__ = ["plain_batch_rows"]

PLAIN_BATCH_BUDGET = 256 * 1024 ** 2
"""Most bytes one batch may decode to from dictionary references."""
DICTIONARY_PAGE_CAP = 64 * 1024 ** 2
"""Largest dictionary page decompressed to measure its entries."""
_SAFE_ENCODINGS = {"PLAIN", "RLE", "BIT_PACKED", "PLAIN_DICTIONARY", "RLE_DICTIONARY", "DELTA_LENGTH_BYTE_ARRAY"}
"""Encodings whose values decode to their stored bytes, or to a dictionary entry (DELTA_BYTE_ARRAY
shares prefixes between values, so it can amplify: not listed)."""
_CODECS = {"UNCOMPRESSED": None, "SNAPPY": "snappy", "GZIP": "gzip", "ZSTD": "zstd", "BROTLI": "brotli",
           "LZ4_RAW": "lz4_raw"}
_DICTIONARY_PAGE = 2


def plain_batch_rows(data: bytes, metadata: Any, text_columns: set[str], budget: int = PLAIN_BATCH_BUDGET) -> int | None:
    """Rows per batch that keep a plain read of ``text_columns`` within ``budget`` bytes of
    dictionary-decoded text, or ``None`` where the file does not show it (see the module)."""
    per_row = 0
    for group_index in range(metadata.num_row_groups):
        group = metadata.row_group(group_index)
        longest = 0
        for column_index in range(group.num_columns):
            chunk = group.column(column_index)
            if chunk.path_in_schema not in text_columns:
                continue
            if not set(chunk.encodings) <= _SAFE_ENCODINGS:
                return None
            if chunk.has_dictionary_page:
                entry = _longest_entry(data, chunk)
                if entry is None:
                    return None
                longest += entry
        per_row = max(per_row, longest)
    return max(1, budget // max(per_row, 1))


def _longest_entry(data: bytes, chunk: Any) -> int | None:
    """The longest value of a column chunk's dictionary page, or None."""
    codec = _CODECS.get(str(chunk.compression).upper(), "unknown")
    offset = chunk.dictionary_page_offset
    if codec == "unknown" or offset is None or not 0 <= offset < len(data):
        return None
    header = _page_header(data, offset)
    if header is None:
        return None
    page_type, size, stored, start, count = header
    if page_type != _DICTIONARY_PAGE or not 0 <= size <= DICTIONARY_PAGE_CAP or stored < 0 \
            or start + stored > len(data) or count is None or count < 0:
        return None
    body = data[start:start + stored]
    try:
        if codec is not None:
            import pyarrow as pa

            body = pa.decompress(body, decompressed_size=size, codec=codec, asbytes=True)
    except Exception:  # a page that does not decompress as its header says: not shown
        return None
    if len(body) != size:
        return None
    longest, position = 0, 0
    for _ in range(count):  # PLAIN byte arrays: a 4-byte little-endian length, then the bytes
        if position + 4 > size:
            return None
        length = int.from_bytes(body[position:position + 4], "little")
        position += 4 + length
        longest = max(longest, length)
    return longest if position == size else None


def _page_header(data: bytes, offset: int) -> tuple[int, int, int, int, int | None] | None:
    """A Thrift-compact PageHeader at ``offset``: (type, uncompressed size, compressed size, where
    the page's data starts, the dictionary header's entry count), or None if it does not parse."""
    reader = _Compact(data, offset)
    try:
        fields = reader.struct(depth=0)
    except (IndexError, ValueError):
        return None
    dictionary = fields.get(7)
    count = dictionary.get(1) if isinstance(dictionary, dict) and dictionary.get(2) in (0, 2) else None  # PLAIN
    values = [fields.get(1), fields.get(2), fields.get(3)]
    if not all(isinstance(v, int) for v in values) or (count is not None and not isinstance(count, int)):
        return None
    return int(values[0]), int(values[1]), int(values[2]), reader.position, count  # type: ignore[arg-type]


class _Compact:
    """Just enough of Thrift's compact protocol to read a page header: integers and nested
    structs kept, everything else skipped."""

    def __init__(self, data: bytes, position: int) -> None:
        self.data, self.position = data, position

    def byte(self) -> int:
        value = self.data[self.position]
        self.position += 1
        return value

    def varint(self) -> int:
        result = shift = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            if not value & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def integer(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int, depth: int) -> Any:
        if kind in (1, 2):
            return kind == 1
        if kind == 3:
            return self.byte()
        if kind in (4, 5, 6):
            return self.integer()
        if kind == 7:
            self.position += 8
            return None
        if kind == 8:
            self.position += self.varint()
            return None
        if kind in (9, 10):
            head = self.byte()
            size = head >> 4 if head >> 4 != 15 else self.varint()
            for _ in range(size):
                if head & 0x0F in (1, 2):  # a list's booleans take a byte each
                    self.byte()
                else:
                    self.value(head & 0x0F, depth + 1)
            return None
        if kind == 12:
            return self.struct(depth + 1)
        raise ValueError(f"compact type {kind}")

    def struct(self, depth: int) -> dict[int, Any]:
        if depth > 8:
            raise ValueError("nested too deeply")
        fields: dict[int, Any] = {}
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            delta, kind = head >> 4, head & 0x0F
            field = last + delta if delta else self.integer()
            fields[field] = self.value(kind, depth)
            last = field
