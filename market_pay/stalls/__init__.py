"""The stall board: what a vendor sees and hears at the stall."""
