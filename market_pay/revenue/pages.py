"""The board's "Sổ doanh thu" page (the vendor only) and its downloads."""
from flask import Blueprint

bp = Blueprint("revenue_pages", __name__)
