"""The Markdown adapter: cmark-gfm (GitHub's C CommonMark) through cmarkgfm's bindings, with
the memory they leave behind freed.

cmarkgfm's markdown_to_html_with_extensions frees the parser but neither the document tree nor
the rendered HTML buffer: about 30 KB lost per 5 KB episode, so a worker that rendered 5 000
episodes held 175 MB it no longer used. Both are freed here, with the library's own
cmark_node_free (exported by its extension module) and the C library's free, which cmark's default
allocator uses.
"""

from __future__ import annotations

import ctypes
from typing import Any

from cmarkgfm import _cmark
from cmarkgfm.cmark import Options

# Raw HTML passes through (UNSAFE) because nh3 sanitizes the whole fragment afterwards; only
# double-tilde ~~strikethrough~~, as CommonMark renderers without GFM read one tilde as text.
OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
EXTENSIONS = (b"table", b"strikethrough")


class _Freer:
    """cmark_node_free and free, called on pointers that came from cmarkgfm's own cffi module.
    Through ctypes: a cffi FFI of our own parses its C declarations first, a tenth of a second
    of every build that renders even one episode."""

    def __init__(self) -> None:
        self.cmark = ctypes.CDLL(_cmark.__file__)
        self.cmark.cmark_node_free.argtypes = [ctypes.c_void_p]
        self.cmark.cmark_node_free.restype = None
        self.libc = ctypes.CDLL(None)
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.libc.free.restype = None

    @staticmethod
    def _address(pointer: Any) -> int:
        return int(_cmark.ffi.cast("uintptr_t", pointer))

    def node(self, pointer: Any) -> None:
        self.cmark.cmark_node_free(self._address(pointer))

    def buffer(self, pointer: Any) -> None:
        self.libc.free(self._address(pointer))


class Markdown:
    """CommonMark + GFM tables and strikethrough to (unsanitized) HTML."""

    def __init__(self) -> None:
        lib = _cmark.lib
        lib.cmark_gfm_core_extensions_ensure_registered()
        self.extensions = [lib.cmark_find_syntax_extension(name) for name in EXTENSIONS]
        if any(e == _cmark.ffi.NULL for e in self.extensions):
            raise RuntimeError("cmark-gfm lacks the table or strikethrough extension")
        self.free = _Freer()

    def html(self, body: str) -> str:
        lib, ffi = _cmark.lib, _cmark.ffi
        data = body.encode("utf-8")
        parser = lib.cmark_parser_new(OPTIONS)
        try:
            for extension in self.extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            lib.cmark_parser_feed(parser, data, len(data))
            root = lib.cmark_parser_finish(parser)
            try:
                rendered = lib.cmark_render_html(
                    root, OPTIONS, lib.cmark_parser_get_syntax_extensions(parser)
                )
                try:
                    # cmark writes the characters "&#xFFFE;" and "&#xFFFF;" name as one byte
                    # each, which is not UTF-8: dropped, as castpub drops them from any text
                    # (XML cannot hold them).
                    return str(ffi.string(rendered).decode("utf-8", "ignore"))
                finally:
                    self.free.buffer(rendered)
            finally:
                self.free.node(root)
        finally:
            lib.cmark_parser_free(parser)
