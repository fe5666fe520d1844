"""Markets (chợ): each sits in one commune or ward of the region tree."""
