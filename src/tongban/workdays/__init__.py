"""Working-day calendar (工作日历): official holidays, make-up workdays and the limits counted on them (SUP-01)."""
