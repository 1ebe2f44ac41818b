"""Halls, windows, booking, queue tickets, calling and the service map (002 8.2, 6.3.5–6.3.6; 004)."""
