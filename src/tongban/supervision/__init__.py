"""E-supervision (电子监察): case clocks, warnings, dispatch, statistics and dashboards (002 9.2; 001 9.2)."""
