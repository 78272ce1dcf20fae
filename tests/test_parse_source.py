"""Reading files: special files refused without opening, size cap, encodings, binary, problems."""

from __future__ import annotations

import os
import pathlib
import socket
import threading

import pytest

from mcpiam.core.document import ProblemLevel, plain
from mcpiam.parse import MAX_BYTES, SourceText, parse_file, read_head, read_source


def codes(source: SourceText) -> list[tuple[str, str]]:
    return [(problem.level.value, problem.code) for problem in source.problems]


def write(tmp_path: pathlib.Path, data: bytes, name: str = "config.json") -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_in_thread(path: pathlib.Path, seconds: float = 5) -> SourceText:
    """read_source on ``path``, failing the test instead of hanging if it blocks."""
    result: list[SourceText] = []
    worker = threading.Thread(target=lambda: result.append(read_source(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "read_source blocked"
    return result[0]


def test_default_size_cap_is_two_mebibytes(tmp_path: pathlib.Path) -> None:
    assert MAX_BYTES == 2 * 1024 * 1024
    assert codes(read_source(write(tmp_path, b" " * (MAX_BYTES + 1)))) == [("warning", "too-large")]


def test_read_head_reads_a_prefix_and_never_blocks(tmp_path: pathlib.Path) -> None:
    assert read_head(write(tmp_path, b"0123456789"), 4) == b"0123"
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    result: list[bytes] = []
    worker = threading.Thread(target=lambda: result.append(read_head(fifo, 4096)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and result == [b""]
    assert read_head(tmp_path / "absent", 10) == b""
    assert read_head(tmp_path, 10) == b""


def test_reads_utf8_text(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, '{"a": "é"}\n'.encode()))
    assert source == SourceText('{"a": "é"}\n', ())


def test_empty_file(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, b""))
    assert source.text == ""
    assert codes(source) == [("info", "empty")]


def test_utf8_bom_is_stripped(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, b'\xef\xbb\xbf{"a": 1}'))
    assert source.text == '{"a": 1}'
    assert codes(source) == [("info", "bom")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_bom_are_decoded(tmp_path: pathlib.Path, encoding: str) -> None:
    bom = "\ufeff".encode(encoding)
    source = read_source(write(tmp_path, bom + '{"ключ": 1}'.encode(encoding)))
    assert source.text == '{"ключ": 1}'
    assert codes(source) == [("info", "bom")]


def test_bad_utf16_is_replaced_and_noted(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, b"\xff\xfe{\x00\x00\xd8}\x00"))  # a lone high surrogate
    assert source.text is not None and "\ufffd" in source.text
    assert codes(source) == [("info", "bom"), ("warning", "decode-error")]


def test_non_utf8_bytes_are_replaced_and_located(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, b'{\n  "k": "\xc3\xa9 \xff x"\n}\n'))
    assert source.text == '{\n  "k": "é \ufffd x"\n}\n'
    assert codes(source) == [("warning", "non-utf8")]
    bad = source.problems[0].span
    assert (bad.start_line, bad.start_column) == (2, 11)  # "é" before it is one column
    assert "\xff" not in source.problems[0].message


def test_crlf_is_noted_and_kept(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, b'{"a": 1,\r\n "b": 2}\r\n'))
    assert source.text == '{"a": 1,\r\n "b": 2}\r\n'
    assert codes(source) == [("info", "crlf")]
    assert (source.problems[0].span.start_line, source.problems[0].span.start_column) == (1, 9)


def test_binary_content_is_skipped(tmp_path: pathlib.Path) -> None:
    source = read_source(write(tmp_path, b'{"a": "\x00\x01"}'))
    assert source.text is None
    assert codes(source) == [("warning", "binary")]


def test_too_large_file_is_skipped_without_reading_it_all(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, b"x" * 5000)
    assert codes(read_source(path, max_bytes=1000)) == [("warning", "too-large")]

    # A file whose size stat does not tell (e.g. /proc) is read only up to the cap plus one byte.
    real_stat, real_read = os.stat, os.read
    read_total = [0]

    def stat_saying_empty(target: object, *args: object, **kwargs: object) -> os.stat_result:
        result = real_stat(target, *args, **kwargs)  # type: ignore[arg-type]
        fields = list(result)
        fields[6] = 0  # st_size
        return os.stat_result(fields)

    def counting_read(descriptor: int, size: int) -> bytes:
        chunk = real_read(descriptor, size)
        read_total[0] += len(chunk)
        return chunk

    monkeypatch.setattr(os, "stat", stat_saying_empty)
    monkeypatch.setattr(os, "read", counting_read)
    assert codes(read_source(path, max_bytes=1000)) == [("warning", "too-large")]
    assert read_total[0] == 1001


def test_file_at_the_cap_is_read(tmp_path: pathlib.Path) -> None:
    assert read_source(write(tmp_path, b"1" * 1000), max_bytes=1000).text == "1" * 1000


def test_directory_is_skipped(tmp_path: pathlib.Path) -> None:
    source = read_source(tmp_path)
    assert source.text is None
    assert codes(source) == [("warning", "directory")]


def test_fifo_is_refused_without_blocking(tmp_path: pathlib.Path) -> None:
    fifo = tmp_path / "mcp.json"
    os.mkfifo(fifo)
    source = read_in_thread(fifo)
    assert source.text is None
    assert codes(source) == [("warning", "special-file")]
    assert "FIFO" in source.problems[0].message


def test_fifo_swapped_in_after_stat_is_refused_on_the_descriptor(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "swapped.json"
    os.mkfifo(fifo)
    regular = write(tmp_path, b"{}")
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda target, *a, **k: real_stat(regular))
    source = read_in_thread(fifo)
    assert codes(source) == [("warning", "special-file")]


def test_socket_and_device_are_refused(tmp_path: pathlib.Path) -> None:
    socket_path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(socket_path))
        assert codes(read_in_thread(socket_path)) == [("warning", "special-file")]
    finally:
        server.close()
    assert codes(read_in_thread(pathlib.Path("/dev/zero"))) == [("warning", "special-file")]


def test_missing_file(tmp_path: pathlib.Path) -> None:
    assert codes(read_source(tmp_path / "absent.json")) == [("warning", "not-found")]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_by_permission(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, b"{}")
    path.chmod(0)
    try:
        assert codes(read_source(path)) == [("warning", "unreadable")]
    finally:
        path.chmod(0o600)


def test_unreadable_file_when_open_is_denied(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, b"{}")

    def deny(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", deny)
    source = read_source(path)
    assert source.text is None
    assert codes(source) == [("warning", "unreadable")]
    assert "EACCES" in source.problems[0].message


def test_unexpected_failure_becomes_a_problem_with_the_type_only(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("fake-token-123")

    monkeypatch.setattr(os, "stat", explode)
    source = read_source(write(tmp_path, b"{}"))
    assert codes(source) == [("warning", "internal-read-error")]
    assert source.problems[0].message == "could not be read (RuntimeError)"


def test_parse_file_puts_reader_problems_first(tmp_path: pathlib.Path) -> None:
    document = parse_file(write(tmp_path, b'\xef\xbb\xbf{"a": 1, // c\r\n}'), "json")
    assert [problem.code for problem in document.problems] == ["bom", "crlf", "jsonc-syntax"]
    assert plain(document.root) == {"a": 1}
    assert document.root is not None and document.root.span.start_column == 1


def test_parse_file_of_a_skipped_file_has_no_roots(tmp_path: pathlib.Path) -> None:
    document = parse_file(tmp_path, "jsonc")
    assert document.roots == ()
    assert document.format == "json"
    assert [problem.level for problem in document.problems] == [ProblemLevel.WARNING]
