"""Declarations of employment to social security (Belgium: Dimona IN/OUT), behind one connector interface."""
