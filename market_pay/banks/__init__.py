"""The bank list (NAPAS BINs and short names) shipped with the package."""
