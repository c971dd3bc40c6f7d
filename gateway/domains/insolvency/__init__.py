"""A platform goes bankrupt: its riders' contracts are closed and settled, and the guarantee fund pays them."""
