"""Reading a file's text safely: never a traceback, never a hang, never more than the size cap.

Every file is opened by ``mcpiam.core.safe_open`` (no FIFO, no device, no link out of the fence,
only the file discovery admitted); this module decodes what it read.
"""

from __future__ import annotations

from mcpiam.core.valuetype import dataclass, field
from pathlib import Path

from mcpiam.core.document import Problem, ProblemLevel, Span
from mcpiam.core.safe_open import FileIdentity, Fence, Refusal, read_prefix

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
)


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file's decoded text (None when it was skipped) and what the reader noticed."""

    text: str | None
    problems: tuple[Problem, ...] = ()
    # A file refused as binary: its text all the same (NULs kept), only to be searched for secrets.
    binary_text: str | None = field(default=None, repr=False)


def _skip(level: ProblemLevel, code: str, message: str) -> SourceText:
    return SourceText(None, (Problem(level, code, message),))


def _binary(message: str, text: str) -> SourceText:
    return SourceText(None, (Problem(ProblemLevel.WARNING, "binary", message),), text)


def _read_prefix(path: Path, limit: int, whole: bool, fence: Fence | None,
                 expected: FileIdentity | None) -> bytes | SourceText:
    """Up to ``limit`` bytes of a regular file (``whole``: a larger file is refused instead)."""
    data = read_prefix(path, limit, whole=whole, fence=fence, expected=expected)
    if isinstance(data, Refusal):
        return _skip(ProblemLevel.WARNING, data.code, data.message)
    return data


def _first_bad_byte(data: bytes, position: int) -> Span:
    line_start = data.rfind(b"\n", 0, position) + 1
    line = data.count(b"\n", 0, position) + 1
    column = len(data[line_start:position].decode("utf-8", "replace")) + 1
    return Span.point(line, column)


def decode_bytes(data: bytes) -> SourceText:
    """Bytes to text: BOMs honoured and stripped, binary refused, bad UTF-8 replaced and noted."""
    problems: list[Problem] = []
    if not data:
        return SourceText("", (Problem(ProblemLevel.INFO, "empty", "the file is empty"),))
    for mark, encoding, label in _BOMS:
        if data.startswith(mark):
            body = data[len(mark):]
            problems.append(
                Problem(ProblemLevel.INFO, "bom", f"starts with a {label} byte order mark; removed")
            )
            if encoding == "utf-8":
                data = body
                break
            try:
                text = body.decode(encoding)
            except UnicodeDecodeError:
                text = body.decode(encoding, "replace")
                problems.append(Problem(
                    ProblemLevel.WARNING, "decode-error",
                    f"invalid {label} data; undecodable bytes were replaced",
                ))
            if "\x00" in text:
                return _binary("contains NUL characters; looks binary; not parsed, only searched for tokens", text)
            return SourceText(text, tuple(problems) + _line_end_problems(text))
    if b"\x00" in data:
        return _binary("contains NUL bytes; looks binary; not parsed, only searched for tokens", data.decode("utf-8", "replace"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", "replace")
        problems.append(Problem(
            ProblemLevel.WARNING, "non-utf8",
            "not valid UTF-8; undecodable bytes were replaced with U+FFFD",
            _first_bad_byte(data, error.start),
        ))
    if not text:
        problems.append(Problem(ProblemLevel.INFO, "empty", "the file is empty"))
    return SourceText(text, tuple(problems) + _line_end_problems(text))


def _line_end_problems(text: str) -> tuple[Problem, ...]:
    position = text.find("\r\n")
    if position < 0:
        return ()
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return (Problem(ProblemLevel.INFO, "crlf", "uses CRLF line endings", Span.point(line, column)),)


def read_source(path: Path, max_bytes: int, fence: Fence | None = None,
                expected: FileIdentity | None = None) -> SourceText:
    """Read and decode one file (the one ``expected`` when given, inside ``fence``); every failure
    becomes a Problem."""
    try:
        data = _read_prefix(Path(path), max_bytes, True, fence, expected)
        if isinstance(data, SourceText):
            return data
        return decode_bytes(data)
    except Exception as error:  # a reader must never take the scan down with it
        message = f"could not be read ({type(error).__name__})"
        return _skip(ProblemLevel.WARNING, "internal-read-error", message)


def read_head(path: Path, size: int, fence: Fence | None = None,
              expected: FileIdentity | None = None) -> bytes:
    """The first ``size`` bytes of a regular file, for sniffing its format; b"" when unreadable.

    Safe on FIFOs and devices, which a plain ``open`` would block on or read forever.
    """
    try:
        data = _read_prefix(Path(path), size, False, fence, expected)
    except Exception:  # sniffing is best effort; read_source reports the real problem
        return b""
    return data if isinstance(data, bytes) else b""
