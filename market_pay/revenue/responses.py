"""The book in the asked format, as the API and the board's downloads answer it."""

from flask import Response, jsonify

from . import exports, pdf
from .services import Book

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def book_file(book: Book, file_format: str, lang: str):
    if file_format == "csv":
        return exports.as_csv(book, lang)
    if file_format == "xlsx":
        return exports.as_xlsx(book, lang)
    return pdf.as_pdf(book, lang)


def book_response(book: Book, file_format: str, lang: str):
    if file_format == "json":
        return jsonify(exports.as_json(book, lang))
    response = Response(
        book_file(book, file_format, lang),
        mimetype=MIMETYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{exports.file_name(book, file_format)}"'},
    )
    response.headers["Cache-Control"] = "private, no-store"  # a stall's revenue: never in a shared cache
    return response
