"""Carts, checkout and orders: the graph's buying side."""
