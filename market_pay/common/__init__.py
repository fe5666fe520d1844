"""Small helpers shared by every feature package: types, text folding, request parsing, paging."""
