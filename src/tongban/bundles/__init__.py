"""One-thing bundles (一件事): bundle definitions as data, the question flow, merged materials and form, one submission across agencies (BND-01 … 07)."""

from tongban.bundles import handling as _handling

_handling.register()  # follow sub-cases, guard their acceptance, hold their results for the one delivery (BND-07)
