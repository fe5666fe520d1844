"""The market office (/office): the market management board's daily work in the browser."""
