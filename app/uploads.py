"""multipart/form-data bodies parsed in memory, with python-multipart's public parser.

The whole body is already in memory (read under the body limit, app.security), so it is parsed
in one pass and nothing is spooled to disk. A form declares the fields it takes; a field sent
twice (two file parts included), a field it does not take, a missing one, or a part whose
declared Content-Length disagrees with the bytes it holds is an InputError naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.errors import InputError
from app.i18n import _, gettext


@dataclass
class FormPart:
    """One part of the form: its field name, file name (None for a plain field) and bytes."""

    name: str
    filename: str | None
    chunks: list[bytes] = field(default_factory=list)
    declared: int | None = None  # the part's own Content-Length header, if it sent one

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_form(body: bytes, content_type: str, fields: tuple[str, ...]) -> dict[str, FormPart]:
    """Every field of a multipart/form-data body, each exactly once: {name: FormPart}."""
    expected = (
        fields[0]
        if len(fields) == 1
        else gettext("{fields} and {last}").format(fields=", ".join(fields[:-1]), last=fields[-1])
    )
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        got = kind.decode("latin-1") or "no content type"
        raise InputError(
            _("body: send multipart/form-data with the fields {expected} (got {value})").format(
                expected=expected, value=short(got)
            ),
            "body",
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise InputError(_("body: the multipart content type gives no boundary"), "body")

    parts: dict[str, FormPart] = {}
    headers: dict[bytes, bytes] = {}
    header, value = bytearray(), bytearray()
    current: list[FormPart] = []  # the part being read, if any
    ended = []

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(header).lower()] = bytes(value)
        header.clear()
        value.clear()

    def on_headers_finished() -> None:
        disposition, params = parse_options_header(headers.pop(b"content-disposition", b""))
        length = headers.pop(b"content-length", None)
        headers.clear()
        name = params.get(b"name", b"").decode("latin-1")
        if disposition != b"form-data" or not name:
            raise InputError(_("body: a part of the form has no field name"), "body")
        if name not in fields:
            raise InputError(
                _("{value}: not a field of this form, which takes {expected}").format(
                    value=short(name), expected=expected
                ),
                short(name),
            )
        if name in parts:
            raise InputError(
                _("{name}: sent more than once; send one {name}").format(name=name), name
            )
        filename = params.get(b"filename")
        parts[name] = FormPart(name, None if filename is None else filename.decode("latin-1"))
        if length is not None:
            text = length.decode("latin-1").strip()
            if not text.isdigit():
                raise InputError(
                    _("{name}: its Content-Length {value!r} is not a number").format(
                        name=name, value=short(text)
                    ),
                    name,
                )
            parts[name].declared = int(text)
        current[:] = [parts[name]]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current[0].chunks.append(data[start:end])

    def on_part_end() -> None:
        part = current[0]
        size = sum(map(len, part.chunks))
        if part.declared is not None and part.declared != size:
            raise InputError(
                _(
                    "{name}: the part declares {declared:,} bytes (Content-Length) "
                    "but holds {size:,}; the upload was damaged or cut off: send it "
                    "again"
                ).format(name=part.name, declared=part.declared, size=size),
                part.name,
            )

    def on_end() -> None:
        ended.append(True)

    callbacks = {
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_end": on_end,
    }
    try:
        parser = MultipartParser(boundary, callbacks)
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise InputError(
            _("body: the multipart form is malformed ({exc})").format(exc=exc), "body"
        ) from None
    if not ended:
        raise InputError(
            _(
                "body: the multipart form ends before its closing boundary (was "
                "the upload cut off?)"
            ),
            "body",
        )
    for name in fields:
        if name not in parts:
            raise InputError(
                _("{name}: missing; the form takes {expected}").format(
                    name=name, expected=expected
                ),
                name,
            )
    return parts
